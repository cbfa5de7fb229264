using System.Collections.Concurrent;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GoMicro.Shared.AuthClient.ApiKeys;

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
