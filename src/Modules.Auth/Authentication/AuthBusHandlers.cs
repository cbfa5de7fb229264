using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Profiles;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Web.Validation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ContractUser = GoMicro.Shared.Contracts.Auth.User;

namespace GoMicro.Modules.Auth.Authentication;

/// <summary>
/// The Auth module's side of the bus contract (api.md section 5): the reference's <c>auth.authentication</c>,
/// <c>auth.authorization</c> and <c>auth.profile.user</c>, plus GoMicro.NET's <c>auth.apikey.verify</c>. Errors carry the
/// HTTP status the reference's auth service gives them (api.md section 6: <c>401:</c> for authentication, <c>403:</c> for
/// a missing role or key, <c>404:</c> for an unknown or deactivated user, <c>400:</c> for a malformed user id).
/// </summary>
internal static class AuthBusHandlers
{
    public const string InvalidApiKey = "permission denied: invalid x-api-key";

    public static void Map(IBusHandlerRegistry bus)
    {
        // The publisher owns its stream: every Auth instance creates or updates it at start (ADR 32).
        bus.DeclareEventStream(AuthEvents.Stream, AuthEvents.StreamSubjects);
        bus.MapRequest<Text, ContractUser>(AuthSubjects.Authentication, async (text, context) =>
        {
            var authenticator = context.Services.GetRequiredService<AccessTokenAuthenticator>();
            var result = await authenticator.AuthenticateAsync(text.Value, context.CancellationToken)
                         ?? throw new BusHandlerException(401, AccessTokenAuthenticator.TryReadBearer(text.Value, out _)
                             ? AccessTokenAuthenticator.InvalidAccessToken
                             : AuthTexts.InvalidAuthorization);
            return result.User.ToContract();
        });

        bus.MapRequest<UserRole, ContractUser>(AuthSubjects.Authorization, async (request, context) =>
        {
            var db = context.Services.GetRequiredService<AuthDbContext>();
            var user = await db.Users.AsNoTracking().Include(u => u.Roles)
                           .FirstOrDefaultAsync(u => u.Id == request.User.Id && u.Status, context.CancellationToken)
                       ?? throw new BusHandlerException(404, ProfileEndpoints.UserNotFound);
            if (!user.Roles.Any(r => request.Roles.Contains(r.Code)))
                throw new BusHandlerException(403, AuthTexts.InsufficientRole);
            return user.ToContract();
        });

        bus.MapRequest<Text, ContractUser>(AuthSubjects.ProfileUser, async (text, context) =>
        {
            // The same answers as GET /auth/profile/id/{id}: a canonical UUID or 400, and only active users.
            if (!Guid.TryParseExact(text.Value, "D", out var id)) throw new BusHandlerException(400, ValidationMessages.Uuid("id"));
            var db = context.Services.GetRequiredService<AuthDbContext>();
            var user = await db.Users.AsNoTracking().Include(u => u.Roles)
                           .FirstOrDefaultAsync(u => u.Id == id && u.Status, context.CancellationToken)
                       ?? throw new BusHandlerException(404, ProfileEndpoints.UserNotFound);
            return user.ToContract();
        });

        bus.MapRequest<Text, ApiKeyInfo>(AuthSubjects.ApiKeyVerify, async (text, context) =>
        {
            var db = context.Services.GetRequiredService<AuthDbContext>();
            var permissions = await db.ApiKeys.AsNoTracking()
                .Where(k => k.Key == text.Value && k.Status)
                .Select(k => k.Permissions)
                .FirstOrDefaultAsync(context.CancellationToken)
                ?? throw new BusHandlerException(403, InvalidApiKey);
            return new ApiKeyInfo(permissions);
        });
    }
}
