using System.ComponentModel.DataAnnotations;
using GoMicro.Modules.Auth.Authentication;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Requests;
using GoMicro.Modules.Auth.Security;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Persistence.Outbox;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using GoMicro.Shared.Web.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.TokenRefresh;

/// <summary>Body of <c>POST /auth/token/refresh</c>.</summary>
internal sealed class RefreshTokenRequest
{
    /// <summary>The refresh token of the pair whose access token is in the <c>Authorization</c> header.</summary>
    [Required, StringLength(AuthRules.MaxTokenLength)] public string? RefreshToken { get; init; }
}

/// <summary>
/// <c>POST /auth/token/refresh</c>: rotates the pair. The access token may have expired but must verify; both tokens must
/// belong to one user and one live session. The old session row is deleted and a new one created in one transaction,
/// so a replayed or concurrently reused pair gets 401 and the old tokens stop working at once; the same transaction
/// announces <see cref="AuthEvents.SessionEnded"/> for the old session.
/// </summary>
internal static class RefreshTokenEndpoint
{
    public const string InvalidRefreshToken = "permission denied: invalid refresh token";

    public static void Map(IEndpointRouteBuilder auth) =>
        auth.MapPost("/token/refresh", HandleAsync)
            .WithSummary("Exchange a token pair for a new one (Authorization: Bearer <accessToken>, which may be expired)")
            .Produces<ApiResponse<Tokens>>()
            .Produces<ApiResponse<object>>(StatusCodes.Status401Unauthorized)
            .Produces<ApiResponse<object>>(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimitPolicies.AuthRequestsPerAddress);

    private static async Task<IResult> HandleAsync(
        RefreshTokenRequest body, HttpRequest request, AuthDbContext db, JwtTokenService jwt, Sessions sessions, AuthenticationCache cache,
        CancellationToken cancellationToken)
    {
        string? authorization = request.Headers.Authorization;
        if (string.IsNullOrEmpty(authorization)) throw ApiException.Unauthorized(AuthTexts.MissingAuthorization);
        if (!AccessTokenAuthenticator.TryReadBearer(authorization, out var accessToken)) throw ApiException.Unauthorized(AuthTexts.InvalidAuthorization);
        var accessValidation = await jwt.ValidateAsync(accessToken, checkExpiry: false);
        if (!accessValidation.IsValid) throw ApiException.Unauthorized(AccessTokenAuthenticator.InvalidAccessToken);
        var access = accessValidation.Claims;
        var refreshValidation = await jwt.ValidateAsync(body.RefreshToken!, checkExpiry: true);
        var refresh = refreshValidation.Claims;
        if (!refreshValidation.IsValid || refresh.Subject != access.Subject) throw ApiException.Unauthorized(InvalidRefreshToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await sessions.LockUserAsync(db, access.Subject, cancellationToken);
        var removed = await db.Keystore
            .Where(k => k.UserId == access.Subject && k.PrimaryKey == access.Id && k.SecondaryKey == refresh.Id && k.Status)
            .ExecuteDeleteAsync(cancellationToken);
        if (removed == 0 || !await db.Users.AnyAsync(u => u.Id == access.Subject && u.Status, cancellationToken))
            throw ApiException.Unauthorized(InvalidRefreshToken);

        var (tokens, ended) = await sessions.StartBoundedAsync(db, access.Subject, cancellationToken);
        db.AddOutboxMessage(AuthEvents.SessionEnded, new SessionEnded(access.Subject, access.Id, SessionEndReasons.Refresh));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        cache.EvictSession(access.Id);
        foreach (var sessionId in ended) cache.EvictSession(sessionId);
        return ApiResults.Success("success", tokens);
    }
}
