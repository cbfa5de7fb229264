using System.CommandLine;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Modularity;
using GoMicro.Shared.Persistence.Outbox;
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
    private readonly Argument<string> _email = new("email") { Description = "The user's email" };
    private readonly Argument<string[]> _roles = new("roles") { Description = $"One or more of {string.Join(", ", RoleCodes.All)}", Arity = ArgumentArity.OneOrMore };

    public abstract string Name { get; }
    public abstract string Description { get; }
    protected abstract bool Grant { get; }

    public void Configure(Command command)
    {
        command.Arguments.Add(_email);
        command.Arguments.Add(_roles);
    }

    public async Task<int> RunAsync(ParseResult parse, AdminConsole console, CancellationToken cancellationToken)
    {
        var email = parse.GetValue(_email)!.Trim().ToLowerInvariant();
        var codes = parse.GetValue(_roles)!.Select(r => r.ToUpperInvariant()).Distinct().ToArray();

        var user = await db.Users.Include(u => u.Roles).FirstOrDefaultAsync(u => u.Email == email, cancellationToken);
        if (user is null) return await console.RefuseAsync($"no user with email '{email}'");
        var roles = await db.Roles.Where(r => codes.Contains(r.Code)).ToListAsync(cancellationToken);
        var unknown = codes.Except(roles.Select(r => r.Code)).ToArray();
        if (unknown.Length > 0)
            return await console.RefuseAsync($"unknown role(s) {string.Join(", ", unknown)}; valid roles: {string.Join(", ", RoleCodes.All)}");

        foreach (var role in roles)
        {
            if (Grant && user.Roles.All(r => r.Id != role.Id)) user.Roles.Add(role);
            if (!Grant) user.Roles.RemoveAll(r => r.Id == role.Id);
        }
        db.AddOutboxMessage(AuthEvents.UserChanged, new UserChanged(user.Id, UserChanges.Roles));
        await db.SaveChangesAsync(cancellationToken);
        await console.Out.WriteLineAsync($"{user.Email}: {string.Join(", ", user.Roles.Select(r => r.Code).Order())}");
        return 0;
    }
}

internal sealed class GrantRoleCommand(AuthDbContext db) : RoleCommand(db)
{
    public override string Name => "user grant-role";
    public override string Description => "Add roles to a user (tokens already issued get them within milliseconds)";
    protected override bool Grant => true;
}

internal sealed class RevokeRoleCommand(AuthDbContext db) : RoleCommand(db)
{
    public override string Name => "user revoke-role";
    public override string Description => "Remove roles from a user";
    protected override bool Grant => false;
}
