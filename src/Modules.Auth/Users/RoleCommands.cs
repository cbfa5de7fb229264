using GoMicro.Modules.Auth.Persistence;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Persistence.Outbox;
using GoMicro.Shared.Web.Modularity;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.Users;

/// <summary>
/// <c>user grant-role EMAIL ROLE...</c> and <c>user revoke-role EMAIL ROLE...</c>. Every name is checked before anything is
/// written, so an unknown email or role changes nothing and exits 1. The change and its
/// <see cref="AuthEvents.UserChanged"/> event commit together; a running Auth instance publishes the event, so tokens
/// already issued get the new roles without signing in again.
/// </summary>
internal abstract class RoleCommand(AuthDbContext db) : IAdminCommand
{
    public abstract string Name { get; }
    public abstract string Usage { get; }
    protected abstract bool Grant { get; }

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        if (arguments.Count < 2)
        {
            await output.WriteLineAsync($"error: expected an email and at least one role. Usage: {Usage}");
            return 1;
        }
        var email = arguments[0].Trim().ToLowerInvariant();
        var codes = arguments.Skip(1).Select(r => r.ToUpperInvariant()).Distinct().ToArray();

        var user = await db.Users.Include(u => u.Roles).FirstOrDefaultAsync(u => u.Email == email, cancellationToken);
        if (user is null)
        {
            await output.WriteLineAsync($"error: no user with email '{email}'");
            return 1;
        }
        var roles = await db.Roles.Where(r => codes.Contains(r.Code)).ToListAsync(cancellationToken);
        var unknown = codes.Except(roles.Select(r => r.Code)).ToArray();
        if (unknown.Length > 0)
        {
            await output.WriteLineAsync($"error: unknown role(s) {string.Join(", ", unknown)}; valid roles: {string.Join(", ", RoleCodes.All)}");
            return 1;
        }

        foreach (var role in roles)
        {
            if (Grant && user.Roles.All(r => r.Id != role.Id)) user.Roles.Add(role);
            if (!Grant) user.Roles.RemoveAll(r => r.Id == role.Id);
        }
        db.AddOutboxMessage(AuthEvents.UserChanged, new UserChanged(user.Id, UserChanges.Roles));
        await db.SaveChangesAsync(cancellationToken);
        await output.WriteLineAsync($"{user.Email}: {string.Join(", ", user.Roles.Select(r => r.Code).Order())}");
        return 0;
    }
}

internal sealed class GrantRoleCommand(AuthDbContext db) : RoleCommand(db)
{
    public override string Name => "user grant-role";
    public override string Usage => "user grant-role EMAIL ROLE...    add roles (LEARNER, AUTHOR, EDITOR, ADMIN) to a user";
    protected override bool Grant => true;
}

internal sealed class RevokeRoleCommand(AuthDbContext db) : RoleCommand(db)
{
    public override string Name => "user revoke-role";
    public override string Usage => "user revoke-role EMAIL ROLE...   remove roles from a user";
    protected override bool Grant => false;
}
