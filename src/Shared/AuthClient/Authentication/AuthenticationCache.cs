using System.Buffers.Text;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.Extensions.Options;

namespace GoMicro.Shared.AuthClient.Authentication;

/// <summary>Options bound from the <c>Auth:Cache</c> section.</summary>
public sealed class AuthenticationCacheOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Auth:Cache";

    /// <summary><c>Auth:Cache:MaxAge</c>: the longest a cached authentication is used without asking the Auth module again,
    /// even when no event evicted it (the bound if an event were ever lost). Default 30 s; zero turns the cache off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Auth:Cache:MaxEntries</c>: the most tokens cached per process; beyond it, answers are used but not cached.
    /// Default 100 000.</summary>
    [Range(1, int.MaxValue)]
    public int MaxEntries { get; set; } = 100_000;
}

/// <summary>
/// The result of <see cref="AuthSubjects.Authentication"/> (user, roles) cached in the process that asked, keyed by the
/// SHA-256 of the <c>Authorization</c> value (the token never stays in memory), with the user id and the session id
/// (the token's <c>jti</c>) so the Auth module's events evict it: <see cref="AuthEvents.SessionEnded"/> by session,
/// <see cref="AuthEvents.UserChanged"/> by user. Trusted only while the bus is receiving events (see
/// <see cref="EventEvictedCache{T}"/>), and never longer than <see cref="AuthenticationCacheOptions.MaxAge"/> or the
/// token's own expiry.
/// </summary>
/// <param name="state">The bus's event subscription state.</param>
/// <param name="options"><c>Auth:Cache</c>.</param>
/// <param name="time">The clock.</param>
public sealed class AuthenticationCache(IBusSubscriptionState state, IOptions<AuthenticationCacheOptions> options, TimeProvider time)
{
    private readonly TimeSpan _maxAge = options.Value.MaxAge;
    private readonly EventEvictedCache<User> _cache = new(state, time, options.Value.MaxEntries, "gomicro.authentication");

    /// <summary>Entries held (for tests).</summary>
    public int Count => _cache.Count;

    /// <summary>The cache key of an <c>Authorization</c> value.</summary>
    public static string KeyOf(string authorization) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)));

    /// <summary>The cached user for this key when it may be trusted.</summary>
    public bool TryGet(string key, out User user) => _cache.TryGet(key, out user);

    /// <summary>Call before asking the Auth module.</summary>
    public EventEvictedCache<User>.Fetch BeginFetch() => _cache.BeginFetch();

    /// <summary>Caches what the Auth module answered for <paramref name="authorization"/>, unless an event may have made it stale.</summary>
    public void Store(string key, string authorization, User user, EventEvictedCache<User>.Fetch fetch)
    {
        if (_maxAge <= TimeSpan.Zero || !TryReadClaims(authorization, out var sessionId, out var expiresAt)) return;
        var lifetime = expiresAt - time.GetUtcNow();
        _cache.TryStore(key, user, lifetime < _maxAge ? lifetime : _maxAge, user.Id, sessionId, fetch);
    }

    /// <summary>Forgets every cached authentication of the session <paramref name="sessionId"/> (a token's <c>jti</c>) now.
    /// The Auth module calls it right after committing a sign-out or refresh, so the instance that ended the session
    /// refuses its token at once rather than when the event comes back; other processes wait for the event.</summary>
    /// <param name="sessionId">The ended session's access-token id.</param>
    public void EvictSession(string sessionId) => _cache.Evict(e => e.SessionId == sessionId);

    /// <summary>Subscribes to the Auth module's events.</summary>
    public void MapEvents(IBusHandlerRegistry registry)
    {
        registry.MapEvent<SessionEnded>(AuthEvents.SessionEnded, (ended, _) =>
        {
            EvictSession(ended.SessionId);
            return Task.CompletedTask;
        });
        registry.MapEvent<UserChanged>(AuthEvents.UserChanged, (changed, _) =>
        {
            _cache.Evict(e => e.UserId == changed.UserId);
            return Task.CompletedTask;
        });
    }

    /// <summary>Reads <c>jti</c> and <c>exp</c> from the token without verifying it: only answers the Auth module accepted
    /// for this very token are stored, so the claims are the ones it verified.</summary>
    private static bool TryReadClaims(string authorization, out string sessionId, out DateTimeOffset expiresAt)
    {
        sessionId = "";
        expiresAt = default;
        var parts = authorization.AsSpan("Bearer ".Length).Trim().ToString().Split('.');
        if (parts.Length != 3) return false;
        try
        {
            using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            if (!payload.RootElement.TryGetProperty("jti", out var jti) || jti.ValueKind != JsonValueKind.String
                || !payload.RootElement.TryGetProperty("exp", out var exp) || !exp.TryGetInt64(out var seconds)) return false;
            sessionId = jti.GetString()!;
            expiresAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return false;
        }
    }
}
