using GoMicro.Modules.Auth.Authentication;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Persistence.Outbox;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;

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

    private static async Task<IResult> HandleAsync(HttpRequest request, AuthDbContext db, AuthenticationCache cache, CancellationToken cancellationToken)
    {
        // The Bearer policy has verified this very header (signature, claims, live session) before the handler runs, so the
        // session key is only read here, not verified a second time.
        if (!AccessTokenAuthenticator.TryReadBearer(request.Headers.Authorization, out var token))
            throw ApiException.Unauthorized(AccessTokenAuthenticator.InvalidAccessToken);
        var verified = new JsonWebToken(token);
        var userId = Guid.ParseExact(verified.Subject, "D");

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var removed = await db.Keystore.Where(k => k.UserId == userId && k.PrimaryKey == verified.Id).ExecuteDeleteAsync(cancellationToken);
        if (removed > 0)
        {
            db.AddOutboxMessage(AuthEvents.SessionEnded, new SessionEnded(userId, verified.Id, SessionEndReasons.SignOut));
            await db.SaveChangesAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        cache.EvictSession(verified.Id);
        return ApiResults.Success("signout success");
    }
}
