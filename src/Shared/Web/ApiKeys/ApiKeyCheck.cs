using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace GoMicro.Shared.Web.ApiKeys;

/// <summary>Options bound from the <c>ApiKey</c> section.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "ApiKey";

    /// <summary><c>ApiKey:CacheDuration</c>: how long a key found valid is trusted without asking the Auth module again.
    /// Default 1 minute, so a deactivated key stops working within a minute. Invalid keys are never cached.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><c>ApiKey:Mode</c>: who checks <c>x-api-key</c>. <see cref="ApiKeyMode.Check"/> (default) checks every
    /// request here; <see cref="ApiKeyMode.Gateway"/> leaves it to the gateway in front (api.md section 6).</summary>
    public ApiKeyMode Mode { get; set; } = ApiKeyMode.Check;
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
/// Asks the Auth module over the bus (<see cref="AuthSubjects.ApiKeyVerify"/>) and caches positive answers for
/// <see cref="ApiKeyOptions.CacheDuration"/>, so a steady client costs no bus hop. The same code serves every role:
/// in the monolith the bus hop is in-process.
/// </summary>
internal sealed class BusApiKeyValidator(IModuleBus bus, IMemoryCache cache, IOptions<ApiKeyOptions> options) : IApiKeyValidator
{
    private readonly TimeSpan _cacheDuration = options.Value.CacheDuration;

    public async ValueTask<bool> IsValidAsync(string key, CancellationToken cancellationToken)
    {
        var cacheKey = (nameof(BusApiKeyValidator), key);
        if (cache.TryGetValue(cacheKey, out _)) return true;
        try
        {
            await bus.RequestAsync<Text, ApiKeyInfo>(AuthSubjects.ApiKeyVerify, new Text(key), cancellationToken);
        }
        catch (BusErrorException)
        {
            return false;
        }
        cache.Set(cacheKey, true, _cacheDuration);
        return true;
    }
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
