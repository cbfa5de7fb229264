using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using GoMicro.Shared.Web.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GoMicro.Shared.Web.ApiKeys;

/// <summary>Options bound from the <c>ApiKey</c> section.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "ApiKey";

    /// <summary><c>ApiKey:CacheDuration</c>: how long a key found valid is trusted without asking the Auth module again.
    /// Default 1 minute. A deactivated key is refused sooner: the Auth module's <see cref="AuthEvents.ApiKeyChanged"/>
    /// evicts it, and while events cannot arrive cached answers are not used.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><c>ApiKey:Mode</c>: who checks <c>x-api-key</c>. <see cref="ApiKeyMode.Check"/> (default) checks every
    /// request here; <see cref="ApiKeyMode.Gateway"/> leaves it to the gateway in front (api.md section 6).</summary>
    public ApiKeyMode Mode { get; set; } = ApiKeyMode.Check;

    /// <summary><c>ApiKey:NegativeCacheDuration</c>: how long a key found unknown or inactive is refused without asking
    /// again, so a client repeating a bad key costs no bus request each time. Default 5 s; a key created meanwhile is
    /// accepted at once (its <see cref="AuthEvents.ApiKeyChanged"/> evicts the refusal). Zero turns it off.</summary>
    public TimeSpan NegativeCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>ApiKey:FailSafeGrace</c>: when the Auth module cannot be reached, a key that it found valid within this
    /// long keeps working, so public reads survive an Auth outage; after it, such requests get 503. Default 5 minutes;
    /// zero turns it off.</summary>
    public TimeSpan FailSafeGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>ApiKey:MaxEntries</c>: the most keys cached per process (valid and refused together). Default 10 000.</summary>
    public int MaxEntries { get; set; } = 10_000;
}

/// <summary>Values of <see cref="ApiKeyOptions.Mode"/>.</summary>
public enum ApiKeyMode
{
    /// <summary>Every request needs a known, active key, asked of the Auth module over <c>auth.apikey.verify</c> (in
    /// process in the monolith): our improvement on the reference, whose services check no key.</summary>
    Check,

    /// <summary>The gateway (Kong with the key plugin, or the gateway role) has checked the key; this service trusts it and
    /// never asks <c>auth.apikey.verify</c>, as the reference's services do. Needed beside the reference's auth service,
    /// which serves no such subject. Only for a service that no client can reach but through that gateway.</summary>
    Gateway,
}

/// <summary>Endpoint metadata: this route is served without an <c>x-api-key</c> (health checks, the OpenAPI document).</summary>
public sealed class SkipApiKeyMetadata
{
    /// <summary>The single instance.</summary>
    public static readonly SkipApiKeyMetadata Instance = new();
}

/// <summary>Decides whether an <c>x-api-key</c> value is a known, active key.</summary>
public interface IApiKeyValidator
{
    /// <summary>True when <paramref name="key"/> is known and active.</summary>
    /// <exception cref="BusUnavailableException">The Auth module could not be asked.</exception>
    ValueTask<bool> IsValidAsync(string key, CancellationToken cancellationToken);
}

/// <summary>
/// Asks the Auth module over the bus (<see cref="AuthSubjects.ApiKeyVerify"/>) and caches the answer under the key's
/// SHA-256 (<see cref="ApiKeyHash"/>): valid for <see cref="ApiKeyOptions.CacheDuration"/>, refused for
/// <see cref="ApiKeyOptions.NegativeCacheDuration"/>, evicted on <see cref="AuthEvents.ApiKeyChanged"/> and not trusted
/// while the bus is not receiving events. When the Auth module cannot be reached, a key valid within
/// <see cref="ApiKeyOptions.FailSafeGrace"/> is accepted (logged). The same code serves every role: in the monolith the
/// bus hop is in-process.
/// </summary>
internal sealed class BusApiKeyValidator(
    IModuleBus bus, IBusSubscriptionState state, IOptions<ApiKeyOptions> options, TimeProvider time, ILogger<BusApiKeyValidator> logger)
    : IApiKeyValidator
{
    private readonly ApiKeyOptions _options = options.Value;
    private readonly EventEvictedCache<bool> _cache = new(state, time, options.Value.MaxEntries);
    /// <summary>When each key was last found valid, for the fail-safe; bounded like the cache, cleared by events.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _lastValid = new(StringComparer.Ordinal);

    public async ValueTask<bool> IsValidAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKeyHash.Of(key);
        if (_cache.TryGet(hash, out var valid)) return valid;
        var fetch = _cache.BeginFetch();
        try
        {
            await bus.RequestAsync<Text, ApiKeyInfo>(AuthSubjects.ApiKeyVerify, new Text(key), cancellationToken);
        }
        catch (BusErrorException)
        {
            _lastValid.TryRemove(hash, out _);
            _cache.TryStore(hash, false, _options.NegativeCacheDuration, null, null, fetch);
            return false;
        }
        catch (BusUnavailableException ex) when (_lastValid.TryGetValue(hash, out var at) && time.GetUtcNow() - at < _options.FailSafeGrace)
        {
            logger.LogWarning("The Auth module cannot be reached ({Reason}); accepting an API key it found valid {Age} ago (fail-safe)",
                ex.Reason, time.GetUtcNow() - at);
            return true;
        }
        _cache.TryStore(hash, true, _options.CacheDuration, null, null, fetch);
        if (_lastValid.Count < _options.MaxEntries || _lastValid.ContainsKey(hash)) _lastValid[hash] = time.GetUtcNow();
        return true;
    }

    /// <summary>Evicts a key on <see cref="AuthEvents.ApiKeyChanged"/>, everywhere it was cached (and its fail-safe).</summary>
    public void MapEvents(IBusHandlerRegistry registry) =>
        registry.MapEvent<ApiKeyChanged>(AuthEvents.ApiKeyChanged, (changed, context) =>
        {
            _lastValid.TryRemove(changed.KeySha256, out _);
            _cache.Evict(changed.KeySha256);
            return Task.CompletedTask;
        });
}

/// <summary>
/// Requires a valid <c>x-api-key</c> on every request except endpoints marked with <see cref="SkipApiKeyMetadata"/>
/// and the Swagger UI (api.md section 2). Runs before the unknown-route 404, as the reference's global middleware does.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, IApiKeyValidator validator)
{
    public const string HeaderName = "x-api-key";
    public const string MissingMessage = "permission denied: missing x-api-key header";
    public const string InvalidMessage = "permission denied: invalid x-api-key";

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<SkipApiKeyMetadata>() is not null
            || context.Request.Path.StartsWithSegments("/swagger"))
        {
            await next(context);
            return;
        }

        string? key = context.Request.Headers[HeaderName];
        if (string.IsNullOrEmpty(key))
        {
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, MissingMessage);
            return;
        }
        if (!await validator.IsValidAsync(key, context.RequestAborted))
        {
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status403Forbidden, InvalidMessage);
            return;
        }
        await next(context);
    }
}

/// <summary>Marks endpoints as served without an API key.</summary>
public static class ApiKeyEndpointExtensions
{
    /// <summary>Serves the endpoint(s) without <c>x-api-key</c>; for health checks and documents only.</summary>
    public static TBuilder SkipApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(SkipApiKeyMetadata.Instance);
}
