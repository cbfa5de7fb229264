using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Profiles;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Web.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ContractUser = GoMicro.Shared.Contracts.Auth.User;

namespace GoMicro.Modules.Auth.Authentication;

/// <summary>
/// The Auth module's side of the bus contract (api.md section 5): the reference's <c>auth.authentication</c>,
/// <c>auth.authorization</c> and <c>auth.profile.user</c>, plus GoMicro.NET's <c>auth.apikey.verify</c>.
/// </summary>
internal static class AuthBusHandlers
{
    public const string InvalidApiKey = "permission denied: invalid x-api-key";

    public static void Map(IBusHandlerRegistry bus)
    {
        bus.MapRequest<Text, ContractUser>(AuthSubjects.Authentication, async (text, context) =>
        {
            var authenticator = context.Services.GetRequiredService<AccessTokenAuthenticator>();
            var result = await authenticator.AuthenticateAsync(text.Value, context.CancellationToken)
                         ?? throw new BusHandlerException(AccessTokenAuthenticator.TryReadBearer(text.Value, out _)
                             ? AccessTokenAuthenticator.InvalidAccessToken
                             : BusAuthenticationHandler.InvalidAuthorization);
            return result.User.ToContract();
        });

        bus.MapRequest<UserRole, ContractUser>(AuthSubjects.Authorization, async (request, context) =>
        {
            var db = context.Services.GetRequiredService<AuthDbContext>();
            var user = await db.Users.AsNoTracking().Include(u => u.Roles)
                           .FirstOrDefaultAsync(u => u.Id == request.User.Id && u.Status, context.CancellationToken)
                       ?? throw new BusHandlerException(ProfileEndpoints.UserNotFound);
            if (!user.Roles.Any(r => request.Roles.Contains(r.Code)))
                throw new BusHandlerException(BusAuthenticationHandler.InsufficientRole);
            return user.ToContract();
        });

        bus.MapRequest<Text, ContractUser>(AuthSubjects.ProfileUser, async (text, context) =>
        {
            if (!Guid.TryParse(text.Value, out var id)) throw new BusHandlerException(ProfileEndpoints.UserNotFound);
            var db = context.Services.GetRequiredService<AuthDbContext>();
            var user = await db.Users.AsNoTracking().Include(u => u.Roles).FirstOrDefaultAsync(u => u.Id == id, context.CancellationToken)
                       ?? throw new BusHandlerException(ProfileEndpoints.UserNotFound);
            return user.ToContract();
        });

        bus.MapRequest<Text, ApiKeyInfo>(AuthSubjects.ApiKeyVerify, async (text, context) =>
        {
            var db = context.Services.GetRequiredService<AuthDbContext>();
            var permissions = await db.ApiKeys.AsNoTracking()
                .Where(k => k.Key == text.Value && k.Status)
                .Select(k => k.Permissions)
                .FirstOrDefaultAsync(context.CancellationToken)
                ?? throw new BusHandlerException(InvalidApiKey);
            return new ApiKeyInfo(permissions);
        });
    }
}
