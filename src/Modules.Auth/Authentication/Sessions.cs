using System.Buffers.Text;
using System.Security.Cryptography;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Security;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Persistence.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GoMicro.Modules.Auth.Authentication;

/// <summary>An access/refresh token pair: <c>{ accessToken, refreshToken }</c>.</summary>
/// <param name="AccessToken">RS256 JWT, valid for <see cref="JwtOptions.AccessTokenLifetime"/>.</param>
/// <param name="RefreshToken">RS256 JWT, valid for <see cref="JwtOptions.RefreshTokenLifetime"/>.</param>
internal sealed record Tokens(string AccessToken, string RefreshToken);

/// <summary>Creates sessions: a keystore row with two fresh random keys, and the two tokens that carry them as <c>jti</c>;
/// a user keeps at most <see cref="AuthSessionOptions.MaxPerUser"/> live ones.</summary>
internal sealed class Sessions(JwtTokenService jwt, IOptions<JwtOptions> options, IOptions<AuthSessionOptions> sessionOptions, TimeProvider time)
{
    private readonly JwtOptions _options = options.Value;
    private readonly int _maxPerUser = sessionOptions.Value.MaxPerUser;

    /// <summary>Adds a keystore row for <paramref name="userId"/> to <paramref name="db"/> (saved by the caller, inside its
    /// transaction) and returns the token pair bound to it. For a user who cannot have other sessions yet (sign-up).</summary>
    public Tokens Start(AuthDbContext db, Guid userId)
    {
        var entry = new KeystoreEntry
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            PrimaryKey = NewKey(),
            SecondaryKey = NewKey(),
            CreatedAt = time.GetUtcNow(),
        };
        db.Keystore.Add(entry);
        return new Tokens(
            jwt.Create(userId, entry.PrimaryKey, _options.AccessTokenLifetime),
            jwt.Create(userId, entry.SecondaryKey, _options.RefreshTokenLifetime));
    }

    /// <summary>
    /// Locks the user's row until the caller's open transaction ends, so that one user's session starts (sign-in, refresh)
    /// take turns and two of them cannot both see room for one more session. It must be the transaction's first write
    /// lock: a transaction that deleted a keystore row before waiting here could deadlock with one that holds this and is
    /// deleting that row. NO KEY UPDATE leaves the keystore's foreign-key checks on the row unblocked.
    /// </summary>
    public Task LockUserAsync(AuthDbContext db, Guid userId, CancellationToken cancellationToken) =>
        _maxPerUser > 0
            ? db.Database.ExecuteSqlAsync($"SELECT 1 FROM users WHERE id = {userId} FOR NO KEY UPDATE", cancellationToken)
            : Task.CompletedTask;

    /// <summary>
    /// <see cref="Start"/> for an existing user, inside the caller's open transaction after <see cref="LockUserAsync"/>: when the user already has
    /// <see cref="AuthSessionOptions.MaxPerUser"/> live sessions, the oldest are deleted and each is announced with
    /// <see cref="AuthEvents.SessionEnded"/> (reason <see cref="SessionEndReasons.Limit"/>) in the same transaction, exactly
    /// as a sign-out ends one, so other instances forget them. The caller saves, commits, and then evicts the returned
    /// <c>Ended</c> session ids from this instance's <c>AuthenticationCache</c>, as sign-out does.
    /// </summary>
    /// <returns>The new token pair, and the access-token ids (<c>jti</c>) of the sessions it ended.</returns>
    public async Task<(Tokens Tokens, IReadOnlyList<string> Ended)> StartBoundedAsync(AuthDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> ended = _maxPerUser > 0 ? await EndOldestAsync(db, userId, cancellationToken) : [];
        return (Start(db, userId), ended);
    }

    private async Task<IReadOnlyList<string>> EndOldestAsync(AuthDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var liveSince = LiveSince(_options, time);
        var oldest = await db.Keystore.AsNoTracking()
            .Where(k => k.UserId == userId && k.Status && k.CreatedAt > liveSince)
            .OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id)
            .Skip(_maxPerUser - 1)
            .Select(k => new { k.Id, k.PrimaryKey })
            .ToListAsync(cancellationToken);
        if (oldest.Count == 0) return [];

        var ids = oldest.Select(k => k.Id).ToList();
        await db.Keystore.Where(k => ids.Contains(k.Id)).ExecuteDeleteAsync(cancellationToken);
        foreach (var session in oldest)
            db.AddOutboxMessage(AuthEvents.SessionEnded, new SessionEnded(userId, session.PrimaryKey, SessionEndReasons.Limit));
        return oldest.Select(k => k.PrimaryKey).ToList();
    }

    /// <summary>Sessions created before this instant are expired: their refresh token, the longer-lived of the two, is
    /// refused even with the allowed clock skew, so nothing can use or renew them any more.</summary>
    public static DateTimeOffset LiveSince(JwtOptions options, TimeProvider time) =>
        time.GetUtcNow() - options.RefreshTokenLifetime - options.ClockSkew;

    /// <summary>256 random bits, Base64url: unguessable and unique without a database round trip.</summary>
    private static string NewKey() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
