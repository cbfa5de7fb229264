using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GoMicro.Shared.AuthClient.Authentication;

/// <summary>Satisfied when the user holds any one of <see cref="Roles"/> (the reference's <c>Authorize(user, roles...)</c>).</summary>
/// <param name="Roles">Role codes, e.g. <c>AUTHOR</c>.</param>
public sealed record RoleRequirement(IReadOnlyList<string> Roles) : IAuthorizationRequirement;

/// <summary>
/// Checks <see cref="RoleRequirement"/> from the role claims when the Auth module sent the user's roles with the
/// authentication reply; otherwise (a reference auth service, which does not) asks <see cref="AuthSubjects.Authorization"/>.
/// </summary>
internal sealed class RoleAuthorizationHandler(IModuleBus bus) : AuthorizationHandler<RoleRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, RoleRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated != true) return;
        var user = context.User.ToUser();
        if (user.Roles is not null)
        {
            if (requirement.Roles.Any(user.Roles.Contains)) context.Succeed(requirement);
            return;
        }
        try
        {
            // The request's token (endpoint routing passes the HttpContext as the resource): a client that goes away
            // stops the wait.
            var cancellationToken = (context.Resource as HttpContext)?.RequestAborted ?? CancellationToken.None;
            await bus.RequestAsync<UserRole, User>(AuthSubjects.Authorization, new UserRole(user, requirement.Roles), cancellationToken);
            context.Succeed(requirement);
        }
        catch (BusErrorException)
        {
            // Not authorised: the middleware forbids, which answers 403 with the reference's text.
        }
    }
}

/// <summary>Named authorization policies every module uses.</summary>
public static class AuthPolicies
{
    /// <summary>A signed-in user (valid Bearer access token).</summary>
    public const string Authenticated = "authenticated";

    /// <summary>The policy name requiring <paramref name="roleCode"/>, e.g. <c>role:AUTHOR</c>; one exists for each of <see cref="RoleCodes.All"/>.</summary>
    public static string Role(string roleCode) => $"role:{roleCode}";

    /// <summary>Requires a valid Bearer access token.</summary>
    public static TBuilder RequireBearer<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Authenticated);

    /// <summary>Requires a valid Bearer access token and the role <paramref name="roleCode"/>.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, string roleCode) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Role(roleCode));
}
