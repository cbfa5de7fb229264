using GoMicro.Modules.Auth.Authentication;
using GoMicro.Modules.Auth.Persistence;
using ContractUser = GoMicro.Shared.Contracts.Auth.User;

namespace GoMicro.Modules.Auth.Profiles;

/// <summary>A role as clients see it: <c>{ id, code }</c>.</summary>
/// <param name="Id">Role id.</param>
/// <param name="Code">LEARNER, AUTHOR, EDITOR or ADMIN.</param>
internal sealed record RoleView(Guid Id, string Code);

/// <summary>The signed-in user's own view: <c>{ id, email, name, profilePicUrl?, roles: [{ id, code }] }</c>.</summary>
/// <param name="Id">User id (UUID).</param>
/// <param name="Email">Email, lower-cased.</param>
/// <param name="Name">Display name.</param>
/// <param name="ProfilePicUrl">Picture URL; omitted when none.</param>
/// <param name="Roles">The user's roles.</param>
internal sealed record UserPrivate(Guid Id, string Email, string Name, string? ProfilePicUrl, IReadOnlyList<RoleView> Roles);

/// <summary>What anyone may see of a user: <c>{ id, name, profilePicUrl? }</c>.</summary>
/// <param name="Id">User id (UUID).</param>
/// <param name="Name">Display name.</param>
/// <param name="ProfilePicUrl">Picture URL; omitted when none.</param>
internal sealed record UserPublic(Guid Id, string Name, string? ProfilePicUrl);

/// <summary>Sign-up and sign-in answer: <c>{ user: UserPrivate, tokens: Tokens }</c>.</summary>
/// <param name="User">The user.</param>
/// <param name="Tokens">A fresh token pair.</param>
internal sealed record UserAuth(UserPrivate User, Tokens Tokens);

internal static class UserViews
{
    public static UserPrivate ToPrivate(this UserAccount user) =>
        new(user.Id, user.Email, user.Name, user.ProfilePicUrl, user.Roles.OrderBy(r => r.Code).Select(r => new RoleView(r.Id, r.Code)).ToArray());

    public static UserPublic ToPublic(this UserAccount user) => new(user.Id, user.Name, user.ProfilePicUrl);

    /// <summary>The bus contract's user, with the role codes so callers can authorise without another request.</summary>
    public static ContractUser ToContract(this UserAccount user) =>
        new(user.Id, user.Name, user.Email, user.ProfilePicUrl, user.Roles.Select(r => r.Code).Order().ToArray());
}
