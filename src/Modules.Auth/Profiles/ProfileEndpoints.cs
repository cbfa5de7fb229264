using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Requests;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.Profiles;

/// <summary>Route value <c>{id}</c>: a user id, a canonical UUID (400 <c>id must be a valid UUID</c> otherwise, api.md section 6).</summary>
internal sealed class UserIdRoute
{
    /// <summary>The user id.</summary>
    [FromRoute(Name = "id"), Required, Uuid] public string? Id { get; init; }

    /// <summary>The validated id.</summary>
    public Guid Value() => Guid.ParseExact(Id!, "D");
}

/// <summary><c>GET /auth/profile/id/{id}</c> (public view of anyone) and <c>GET /auth/profile/mine</c> (own private view).</summary>
internal static class ProfileEndpoints
{
    public const string UserNotFound = "user does not exists";

    public static void Map(IEndpointRouteBuilder auth)
    {
        auth.MapGet("/profile/id/{id}", GetPublicAsync)
            .WithSummary("A user's public profile")
            .Produces<ApiResponse<UserPublic>>()
            .Produces<ApiResponse<object>>(StatusCodes.Status404NotFound);
        auth.MapGet("/profile/mine", GetMineAsync)
            .RequireBearer()
            .WithSummary("The signed-in user's profile with roles")
            .Produces<ApiResponse<UserPrivate>>();
    }

    private static async Task<IResult> GetPublicAsync([AsParameters] UserIdRoute route, AuthDbContext db, CancellationToken cancellationToken)
    {
        var userId = route.Value();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId && u.Status, cancellationToken)
                   ?? throw ApiException.NotFound(UserNotFound);
        return ApiResults.Success("success", user.ToPublic());
    }

    private static async Task<IResult> GetMineAsync(ClaimsPrincipal principal, AuthDbContext db, CancellationToken cancellationToken)
    {
        var userId = principal.ToUser().Id;
        var user = await db.Users.AsNoTracking().Include(u => u.Roles).FirstOrDefaultAsync(u => u.Id == userId, cancellationToken)
                   ?? throw ApiException.NotFound(UserNotFound);
        return ApiResults.Success("success", user.ToPrivate());
    }
}
