using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using GoMicro.Shared.Web.Envelope;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;

namespace GoMicro.Host.Gateway;

/// <summary>
/// Checks the <c>x-api-key</c> header of every proxied request before it reaches an instance, as the Kong plugin
/// <c>apikey-auth</c> does (kong/plugins/apikey-auth/handler.lua; both are driven by one test table,
/// kong/plugins/apikey-auth/spec/edge_cases.json):
/// the exact paths of <see cref="EdgeApiKeyOptions.PublicPaths"/> (the plugin's <c>public_paths</c>: the module health
/// paths) and routes whose metadata sets <see cref="SkipMetadataKey"/> (the OpenAPI documents) pass; a missing key is 401 <see cref="MissingMessage"/>
/// without a call; otherwise the auth cluster's instances are asked in turn, the next only when one gives no HTTP
/// answer; 200 is cached for <see cref="EdgeApiKeyOptions.CacheDuration"/> under the key's SHA-256, any other answer
/// reaches the client as it is (status, body, content type); no answer from any instance is 503
/// <see cref="UnavailableMessage"/> (fail closed).
/// </summary>
internal sealed partial class EdgeApiKeyMiddleware(
    RequestDelegate next, IHttpClientFactory clients, IProxyStateLookup proxyState, IMemoryCache cache,
    IOptions<EdgeApiKeyOptions> options, ILogger<EdgeApiKeyMiddleware> logger)
{
    /// <summary>Name of the <see cref="HttpClient"/> that asks the auth instances.</summary>
    public const string ClientName = "gateway-apikey";

    /// <summary>YARP route metadata key; the value <c>true</c> exempts the route from the check.</summary>
    public const string SkipMetadataKey = "GoMicro.SkipApiKey";

    /// <summary>The reference plugin's text for a request without the header (api.md, section 6).</summary>
    public const string MissingMessage = "x-api-key header is missing";

    /// <summary>Text of the 503 when no auth instance answered.</summary>
    public const string UnavailableMessage = "api key verification unavailable";

    private const string HeaderName = "x-api-key";

    public async Task InvokeAsync(HttpContext context)
    {
        if (IsPublic(context))
        {
            await next(context);
            return;
        }
        var key = context.Request.Headers[HeaderName].ToString();
        if (key.Length == 0)
        {
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, MissingMessage);
            return;
        }
        var cacheKey = "gateway-apikey:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        if (cache.TryGetValue(cacheKey, out _))
        {
            await next(context);
            return;
        }

        using var answer = await AskAuthAsync(key, context.RequestAborted);
        if (answer is null)
        {
            LogNoAnswer(logger, options.Value.AuthCluster);
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, UnavailableMessage);
            return;
        }
        if (answer.StatusCode == System.Net.HttpStatusCode.OK)
        {
            cache.Set(cacheKey, true, options.Value.CacheDuration);
            await next(context);
            return;
        }
        // The auth module's word on this key (403 unknown key, or its own error): passed through unchanged.
        context.Response.StatusCode = (int)answer.StatusCode;
        if (answer.Content.Headers.ContentType is { } contentType)
            context.Response.ContentType = contentType.ToString();
        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private bool IsPublic(HttpContext context)
    {
        // Exact and case-sensitive, as the plugin compares: /auth/healthz or /AUTH/health needs a key.
        if (options.Value.PublicPaths.Contains(context.Request.Path.Value ?? "", StringComparer.Ordinal)) return true;
        var metadata = context.GetReverseProxyFeature().Route.Config.Metadata;
        return metadata is not null && metadata.TryGetValue(SkipMetadataKey, out var skip)
            && string.Equals(skip, "true", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The first HTTP answer of an auth instance (healthy ones first), or null when none answered.</summary>
    private async Task<HttpResponseMessage?> AskAuthAsync(string key, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!proxyState.TryGetCluster(settings.AuthCluster, out var cluster)) return null;
        // Healthy instances first, so a known-dead one costs no timeout; by id within each group, as Kong keeps its list's order.
        var available = cluster.DestinationsState.AvailableDestinations;
        var ordered = available.OrderBy(d => d.DestinationId, StringComparer.Ordinal)
            .Concat(cluster.Destinations.Values.Except(available).OrderBy(d => d.DestinationId, StringComparer.Ordinal));
        var client = clients.CreateClient(ClientName);
        foreach (var destination in ordered)
        {
            var url = destination.Model.Config.Address.TrimEnd('/') + settings.VerificationPath;
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation(HeaderName, key);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            try
            {
                var response = await client.SendAsync(request, timeout.Token);
                // Buffer the body now, while the timeout still applies, so passing it on cannot hang.
                await response.Content.LoadIntoBufferAsync(timeout.Token);
                return response;
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                LogInstanceSilent(logger, destination.DestinationId, ex.GetType().Name);
            }
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "API key verification via auth instance {Destination} got no answer ({Failure}); asking the next")]
    private static partial void LogInstanceSilent(ILogger logger, string destination, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "No instance of cluster {Cluster} answered the API key verification; refusing the request")]
    private static partial void LogNoAnswer(ILogger logger, string cluster);
}
