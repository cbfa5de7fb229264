using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Web.Authentication;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><c>ApiKey:Mode</c>: who checks <c>x-api-key</c>. <see cref="ApiKeyMode.Check"/> (default) checks every
    /// request here; <see cref="ApiKeyMode.Gateway"/> leaves it to the gateway in front (api.md section 6).</summary>
    public ApiKeyMode Mode { get; set; } = ApiKeyMode.Check;

    /// <summary><c>ApiKey:NegativeCacheDuration</c>: how long a key found unknown or inactive is refused without asking
    /// again, so a client repeating a bad key costs no bus request each time (issue 11: unknown keys cheap to refuse). Default
    /// 5 s; a key created meanwhile is accepted at once (<c>apikey create</c> announces <see cref="AuthEvents.ApiKeyChanged"/>,
    /// which evicts the refusal). Zero turns it off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan NegativeCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>ApiKey:FailSafeGrace</c>: when the Auth module cannot be reached, a key that it found valid within this
    /// long keeps working, so public reads survive an Auth outage; after it, such requests get 503. A key deactivated during
    /// the outage may be accepted up to this long (its event cannot arrive either). Default 5 minutes; zero turns it off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan FailSafeGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>ApiKey:MaxEntries</c>: the most keys cached per process, valid and refused ones each (the refused ones
    /// apart, so a flood of unknown keys cannot push valid ones out). Default 10 000.</summary>
    [Range(1, int.MaxValue)]
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
/// while the bus is not receiving events. When the Auth module cannot be reached or fails, a key valid within
/// <see cref="ApiKeyOptions.FailSafeGrace"/> is accepted (logged). The same code serves every role: in the monolith the
/// bus hop is in-process.
/// </summary>
/// <remarks>
/// Valid and refused keys live in separate caches of <see cref="ApiKeyOptions.MaxEntries"/> each, so a client sending
/// random keys fills only the refusals and never pushes the valid keys out.
/// </remarks>
internal sealed class BusApiKeyValidator(
    IModuleBus bus, IBusSubscriptionState state, IOptions<ApiKeyOptions> options, TimeProvider time, ILogger<BusApiKeyValidator> logger)
    : IApiKeyValidator
{
    private readonly ApiKeyOptions _options = options.Value;
    private readonly EventEvictedCache<bool> _valid = new(state, time, options.Value.MaxEntries, "gomicro.api_keys.valid");
    private readonly EventEvictedCache<bool> _refused = new(state, time, options.Value.MaxEntries, "gomicro.api_keys.refused");
    /// <summary>When each key was last found valid, for the fail-safe; bounded like the caches, cleared by events.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastValid = new(StringComparer.Ordinal);
    private long _lastWarningTicks;

    public async ValueTask<bool> IsValidAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKeyHash.Of(key);
        if (_valid.TryGet(hash, out _)) return true;
        if (_refused.TryGet(hash, out _)) return false;
        var validFetch = _valid.BeginFetch();
        var refusedFetch = _refused.BeginFetch();
        try
        {
            await bus.RequestAsync<Text, ApiKeyInfo>(AuthSubjects.ApiKeyVerify, new Text(key), cancellationToken);
        }
        catch (BusErrorException)
        {
            _lastValid.TryRemove(hash, out _);
            _refused.TryStore(hash, false, _options.NegativeCacheDuration, null, null, refusedFetch);
            return false;
        }
        catch (Exception ex) when (ex is BusUnavailableException or BusRemoteFaultException
            && _lastValid.TryGetValue(hash, out var at) && time.GetUtcNow() - at < _options.FailSafeGrace)
        {
            WarnFailSafe(ex, time.GetUtcNow() - at);
            return true;
        }
        _valid.TryStore(hash, true, _options.CacheDuration, null, null, validFetch);
        RememberValid(hash);
        return true;
    }

    /// <summary>Evicts a key on <see cref="AuthEvents.ApiKeyChanged"/> (deactivated, or created after a refusal), everywhere
    /// it was cached, and its fail-safe.</summary>
    public void MapEvents(IBusHandlerRegistry registry) =>
        registry.MapEvent<ApiKeyChanged>(AuthEvents.ApiKeyChanged, (changed, context) =>
        {
            _lastValid.TryRemove(changed.KeySha256, out _);
            _valid.Evict(changed.KeySha256);
            _refused.Evict(changed.KeySha256);
            return Task.CompletedTask;
        });

    /// <summary>Logs the fail-safe at most every 10 s: during an outage it serves every request.</summary>
    private void WarnFailSafe(Exception ex, TimeSpan age)
    {
        var now = time.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _lastWarningTicks);
        if (now - last < TimeSpan.TicksPerSecond * 10 || Interlocked.CompareExchange(ref _lastWarningTicks, now, last) != last) return;
        logger.LogWarning("The Auth module cannot check API keys ({Reason}); accepting keys it found valid within {Grace} (fail-safe), this one {Age} ago",
            ex.Message, _options.FailSafeGrace, age);
    }

    private void RememberValid(string hash)
    {
        if (_options.FailSafeGrace <= TimeSpan.Zero) return;
        var now = time.GetUtcNow();
        if (_lastValid.Count >= _options.MaxEntries && !_lastValid.ContainsKey(hash))
        {
            // Full: drop the keys whose grace is over; if none is, the newest key goes without a fail-safe.
            foreach (var (old, at) in _lastValid)
                if (now - at >= _options.FailSafeGrace) _lastValid.TryRemove(KeyValuePair.Create(old, at));
            if (_lastValid.Count >= _options.MaxEntries) return;
        }
        _lastValid[hash] = now;
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

    /// <summary>True for the routes served without a key: endpoints marked <see cref="SkipApiKeyMetadata"/> and the Swagger UI.</summary>
    public static bool IsExempt(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<SkipApiKeyMetadata>() is not null || context.Request.Path.StartsWithSegments(OpenApiSetup.SwaggerUiPath);

    public async Task InvokeAsync(HttpContext context)
    {
        if (IsExempt(context))
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
