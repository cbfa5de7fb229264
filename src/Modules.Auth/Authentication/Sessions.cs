using System.Buffers.Text;
using System.Security.Cryptography;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Security;
using Microsoft.Extensions.Options;

namespace GoMicro.Modules.Auth.Authentication;

/// <summary>An access/refresh token pair: <c>{ accessToken, refreshToken }</c>.</summary>
/// <param name="AccessToken">RS256 JWT, valid for <see cref="JwtOptions.AccessTokenLifetime"/>.</param>
/// <param name="RefreshToken">RS256 JWT, valid for <see cref="JwtOptions.RefreshTokenLifetime"/>.</param>
internal sealed record Tokens(string AccessToken, string RefreshToken);

/// <summary>Creates sessions: a keystore row with two fresh random keys, and the two tokens that carry them as <c>jti</c>.</summary>
internal sealed class Sessions(JwtTokenService jwt, IOptions<JwtOptions> options, TimeProvider time)
{
    private readonly JwtOptions _options = options.Value;

    /// <summary>Adds a keystore row for <paramref name="userId"/> to <paramref name="db"/> (saved by the caller, inside its
    /// transaction) and returns the token pair bound to it.</summary>
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

    /// <summary>256 random bits, Base64url: unguessable and unique without a database round trip.</summary>
    private static string NewKey() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
