using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace GoMicro.Modules.Auth.Authentication;

/// <summary>
/// Resolves an <c>Authorization: Bearer</c> value to its user: the token must verify (signature, issuer, audience,
/// lifetime), its session must still be in the keystore, and the user must exist and be active.
/// </summary>
internal sealed class AccessTokenAuthenticator(JwtTokenService jwt, AuthDbContext db, ILogger<AccessTokenAuthenticator> logger)
{
    /// <summary>The one text every rejected token gets, so a client learns nothing about why.</summary>
    public const string InvalidAccessToken = "permission denied: invalid access token";

    /// <summary>
    /// One query: the active user, their roles, and the existence of the token's session. It runs on every authenticated
    /// request of every module, so it is compiled once: EF Core otherwise re-walks the expression tree to extract the
    /// parameters and hashes it to find the cached plan on each call.
    /// </summary>
    private static readonly Func<AuthDbContext, Guid, string, CancellationToken, Task<UserAccount?>> FindSessionUser =
        EF.CompileAsyncQuery((AuthDbContext db, Guid userId, string keyId, CancellationToken _) =>
            db.Users.AsNoTracking().Include(u => u.Roles)
                .Where(u => u.Id == userId && u.Status && db.Keystore.Any(k => k.UserId == u.Id && k.PrimaryKey == keyId && k.Status))
                .FirstOrDefault());

    /// <summary>The user (with roles, not tracked) and the token's claims, or null when the token is not acceptable.</summary>
    public async Task<(UserAccount User, TokenClaims Claims)?> AuthenticateAsync(string authorization, CancellationToken cancellationToken)
    {
        if (!TryReadBearer(authorization, out var token)) return null;
        var validation = await jwt.ValidateAsync(token, checkExpiry: true);
        if (!validation.IsValid)
        {
            logger.LogInformation("Rejected access token: {Reason}", validation.Reason);
            return null;
        }
        var claims = validation.Claims;

        var user = await FindSessionUser(db, claims.Subject, claims.Id, cancellationToken);
        if (user is null)
        {
            logger.LogInformation("Rejected access token of user {UserId}: session revoked or user inactive", claims.Subject);
            return null;
        }
        return (user, claims);
    }

    /// <summary>Reads the token from <c>Bearer &lt;token&gt;</c>.</summary>
    public static bool TryReadBearer(string? authorization, out string token)
    {
        const string prefix = "Bearer ";
        token = "";
        if (authorization is null || !authorization.StartsWith(prefix, StringComparison.Ordinal)) return false;
        token = authorization[prefix.Length..].Trim();
        return token.Length > 0;
    }
}
