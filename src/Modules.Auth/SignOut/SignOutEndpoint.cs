using GoMicro.Modules.Auth.Authentication;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Security;
using GoMicro.Shared.Web.Authentication;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.SignOut;

/// <summary><c>DELETE /auth/signout</c>: deletes the session row, so the access and refresh tokens stop working together.</summary>
internal static class SignOutEndpoint
{
    public static void Map(IEndpointRouteBuilder auth) =>
        auth.MapDelete("/signout", HandleAsync)
            .RequireBearer()
            .WithSummary("Sign out: revokes the access and refresh token of this session")
            .Produces<ApiResponse<object>>();

    private static async Task<IResult> HandleAsync(HttpRequest request, AuthDbContext db, JwtTokenService jwt, CancellationToken cancellationToken)
    {
        // The Bearer policy already accepted the token; read its session key again (it is this module's own token).
        if (!AccessTokenAuthenticator.TryReadBearer(request.Headers.Authorization, out var token)
            || !jwt.TryValidate(token, checkExpiry: true, out var claims, out _))
            throw ApiException.Unauthorized(AccessTokenAuthenticator.InvalidAccessToken);

        await db.Keystore.Where(k => k.UserId == claims.Subject && k.PrimaryKey == claims.Id).ExecuteDeleteAsync(cancellationToken);
        return ApiResults.Success("signout success");
    }
}
