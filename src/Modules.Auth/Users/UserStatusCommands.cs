using GoMicro.Modules.Auth.Persistence;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Persistence.Outbox;
using GoMicro.Shared.Web.Modularity;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.Users;

/// <summary>
/// <c>user deactivate EMAIL</c>: disables an account. In one transaction the user's status turns false, every session of
/// theirs is deleted (so a later <c>user activate</c> does not bring old tokens back), and
/// <see cref="AuthEvents.UserChanged"/> (<see cref="UserChanges.Deactivated"/>) goes into the outbox. A running Auth
/// instance publishes it; every process then forgets the user's cached authentications (their tokens answer 401) and the
/// Blog module forgets the public views that name them. Sign-in, authentication and <c>auth.profile.user</c> already
/// read only active users, so the account is refused everywhere, as an unknown one is.
/// </summary>
internal sealed class DeactivateUserCommand(AuthDbContext db, TimeProvider time) : IAdminCommand
{
    public string Name => "user deactivate";
    public string Usage => "user deactivate EMAIL            disable an account and end its sessions";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        if (arguments is not [var address])
        {
            await output.WriteLineAsync($"error: expected one email. Usage: {Usage}");
            return 1;
        }
        var email = address.Trim().ToLowerInvariant();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, cancellationToken);
        if (user is null)
        {
            await output.WriteLineAsync($"error: no user with email '{email}'");
            return 1;
        }
        user.Status = false;
        user.UpdatedAt = time.GetUtcNow();
        var ended = await db.Keystore.Where(k => k.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
        db.AddOutboxMessage(AuthEvents.UserChanged, new UserChanged(user.Id, UserChanges.Deactivated));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await output.WriteLineAsync($"{user.Email}: deactivated, {ended} session(s) ended");
        return 0;
    }
}

/// <summary>
/// <c>user activate EMAIL</c>: enables a deactivated account again; the user signs in anew (deactivation ended every
/// session). Announces <see cref="AuthEvents.UserChanged"/> (<see cref="UserChanges.Activated"/>) in the same transaction,
/// so views and answers cached while the account was disabled are forgotten.
/// </summary>
internal sealed class ActivateUserCommand(AuthDbContext db, TimeProvider time) : IAdminCommand
{
    public string Name => "user activate";
    public string Usage => "user activate EMAIL              enable a deactivated account";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        if (arguments is not [var address])
        {
            await output.WriteLineAsync($"error: expected one email. Usage: {Usage}");
            return 1;
        }
        var email = address.Trim().ToLowerInvariant();
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, cancellationToken);
        if (user is null)
        {
            await output.WriteLineAsync($"error: no user with email '{email}'");
            return 1;
        }
        user.Status = true;
        user.UpdatedAt = time.GetUtcNow();
        db.AddOutboxMessage(AuthEvents.UserChanged, new UserChanged(user.Id, UserChanges.Activated));
        await db.SaveChangesAsync(cancellationToken);
        await output.WriteLineAsync($"{user.Email}: active");
        return 0;
    }
}
