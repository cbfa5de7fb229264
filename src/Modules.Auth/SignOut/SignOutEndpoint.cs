using GoMicro.Modules.Auth.Authentication;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Security;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Persistence.Outbox;
using GoMicro.Shared.Web.Authentication;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.SignOut;

/// <summary><c>DELETE /auth/signout</c>: deletes the session row, so the access and refresh tokens stop working together, and
/// announces <see cref="AuthEvents.SessionEnded"/> in the same transaction so other processes drop their cached authentication.</summary>
internal static class SignOutEndpoint
{
    public static void Map(IEndpointRouteBuilder auth) =>
        auth.MapDelete("/signout", HandleAsync)
            .RequireBearer()
            .WithSummary("Sign out: revokes the access and refresh token of this session")
            .Produces<ApiResponse<object>>();

    private static async Task<IResult> HandleAsync(HttpRequest request, AuthDbContext db, JwtTokenService jwt, AuthenticationCache cache, CancellationToken cancellationToken)
    {
        // The Bearer policy already accepted the token; read its session key again (it is this module's own token).
        if (!AccessTokenAuthenticator.TryReadBearer(request.Headers.Authorization, out var token)
            || !jwt.TryValidate(token, checkExpiry: true, out var claims, out _))
            throw ApiException.Unauthorized(AccessTokenAuthenticator.InvalidAccessToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var removed = await db.Keystore.Where(k => k.UserId == claims.Subject && k.PrimaryKey == claims.Id).ExecuteDeleteAsync(cancellationToken);
        if (removed > 0)
        {
            db.AddOutboxMessage(AuthEvents.SessionEnded, new SessionEnded(claims.Subject, claims.Id, SessionEndReasons.SignOut));
            await db.SaveChangesAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        cache.EvictSession(claims.Id);
        return ApiResults.Success("signout success");
    }
}
