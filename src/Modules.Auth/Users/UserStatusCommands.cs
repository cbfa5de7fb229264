using System.CommandLine;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Modularity;
using GoMicro.Shared.Persistence.Outbox;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.Users;

/// <summary>
/// <c>user deactivate EMAIL</c> and <c>user activate EMAIL</c>. Deactivation turns the user's status false and deletes
/// every session of theirs in one transaction, with <see cref="AuthEvents.UserChanged"/> (<see cref="UserChanges.Deactivated"/>)
/// in the outbox: a running Auth instance publishes it, every process then forgets the user's cached authentications
/// (their tokens answer 401) and the Blog module forgets the public views that name them. Sign-in, authentication and
/// <c>auth.profile.user</c> read only active users, so the account is refused everywhere as an unknown one is.
/// Activation turns the status back on (<see cref="UserChanges.Activated"/>); the deleted sessions stay gone, so the
/// user signs in anew and no token issued before the deactivation works again.
/// </summary>
internal abstract class UserStatusCommand(AuthDbContext db, TimeProvider time) : IAdminCommand
{
    private readonly Argument<string> _email = new("email") { Description = "The user's email" };

    public abstract string Name { get; }
    public abstract string Description { get; }
    protected abstract bool Active { get; }

    public void Configure(Command command) => command.Arguments.Add(_email);

    public async Task<int> RunAsync(ParseResult parse, AdminConsole console, CancellationToken cancellationToken)
    {
        var email = parse.GetValue(_email)!.Trim().ToLowerInvariant();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, cancellationToken);
        if (user is null) return await console.RefuseAsync($"no user with email '{email}'");
        user.Status = Active;
        user.UpdatedAt = time.GetUtcNow();
        var ended = Active ? 0 : await db.Keystore.Where(k => k.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
        db.AddOutboxMessage(AuthEvents.UserChanged, new UserChanged(user.Id, Active ? UserChanges.Activated : UserChanges.Deactivated));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await console.Out.WriteLineAsync(Active ? $"{user.Email}: active" : $"{user.Email}: deactivated, {ended} session(s) ended");
        return 0;
    }
}

internal sealed class DeactivateUserCommand(AuthDbContext db, TimeProvider time) : UserStatusCommand(db, time)
{
    public override string Name => "user deactivate";
    public override string Description => "Disable an account and end its sessions";
    protected override bool Active => false;
}

internal sealed class ActivateUserCommand(AuthDbContext db, TimeProvider time) : UserStatusCommand(db, time)
{
    public override string Name => "user activate";
    public override string Description => "Enable a deactivated account (the user signs in anew)";
    protected override bool Active => true;
}
