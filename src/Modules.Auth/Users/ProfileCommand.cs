using System.ComponentModel.DataAnnotations;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.SignUp;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Persistence.Outbox;
using GoMicro.Shared.Web.Modularity;
using GoMicro.Shared.Web.Validation;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.Users;

/// <summary>
/// <c>user profile EMAIL [--name NAME] [--picture URL | --no-picture]</c>: changes the public profile that blogs show for
/// their author. The values obey sign-up's rules (name 2-200 characters once trimmed, picture an absolute http(s) URL);
/// a bad one prints the same message the API would and changes nothing. The change and
/// <see cref="AuthEvents.UserChanged"/> (<see cref="UserChanges.Profile"/>) commit together, so every Blog instance
/// forgets the views that embed the old name or picture. The reference API has no profile update; this command is ours.
/// </summary>
internal sealed class ProfileCommand(AuthDbContext db, TimeProvider time) : IAdminCommand
{
    public string Name => "user profile";
    public string Usage => "user profile EMAIL [--name NAME] [--picture URL | --no-picture]   change a user's public name or picture";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        if (!TryParse(arguments, out var email, out var change, out var clearPicture))
        {
            await output.WriteLineAsync($"error: expected an email and at least one change. Usage: {Usage}");
            return 1;
        }
        if (RequestValidator.NormalizeAndValidate(change) is [_, ..] errors)
        {
            await output.WriteLineAsync($"error: {string.Join(", ", errors)}");
            return 1;
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, cancellationToken);
        if (user is null)
        {
            await output.WriteLineAsync($"error: no user with email '{email}'");
            return 1;
        }
        if (change.Name is { } name) user.Name = name;
        if (change.ProfilePicUrl is { } picture) user.ProfilePicUrl = picture;
        if (clearPicture) user.ProfilePicUrl = null;
        user.UpdatedAt = time.GetUtcNow();
        db.AddOutboxMessage(AuthEvents.UserChanged, new UserChanged(user.Id, UserChanges.Profile));
        await db.SaveChangesAsync(cancellationToken);
        await output.WriteLineAsync($"{user.Email}: {user.Name}, {user.ProfilePicUrl ?? "no picture"}");
        return 0;
    }

    private static bool TryParse(IReadOnlyList<string> arguments, out string email, out ProfileChange change, out bool clearPicture)
    {
        email = arguments.Count > 0 ? arguments[0].Trim().ToLowerInvariant() : "";
        change = new ProfileChange();
        clearPicture = false;
        for (var i = 1; i < arguments.Count; i++)
        {
            switch (arguments[i])
            {
                case "--name" when i + 1 < arguments.Count && change.Name is null: change.Name = arguments[++i]; break;
                case "--picture" when i + 1 < arguments.Count && change.ProfilePicUrl is null && !clearPicture: change.ProfilePicUrl = arguments[++i]; break;
                case "--no-picture" when change.ProfilePicUrl is null: clearPicture = true; break;
                default: return false;
            }
        }
        return email.Length > 0 && (change.Name is not null || change.ProfilePicUrl is not null || clearPicture);
    }

    /// <summary>The fields a profile change may set, with sign-up's rules (<see cref="SignUpRequest"/>).</summary>
    private sealed class ProfileChange
    {
        [StringLength(200, MinimumLength = 2)] public string? Name { get; set; }
        [StringLength(AuthRules.MaxUrlLength), HttpUrl] public string? ProfilePicUrl { get; set; }
    }
}
