using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Requests;
using GoMicro.Modules.Auth.SignUp;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Modularity;
using GoMicro.Shared.Persistence.Outbox;
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
    private readonly Argument<string> _email = new("email") { Description = "The user's email" };
    private readonly Option<string> _name = new("--name") { Description = "The new public name (2-200 characters)" };
    private readonly Option<string> _picture = new("--picture") { Description = "The new picture: an absolute http(s) URL" };
    private readonly Option<bool> _noPicture = new("--no-picture") { Description = "Remove the picture" };

    public string Name => "user profile";
    public string Description => "Change a user's public name or picture (every blog view shows the new one within milliseconds)";

    public void Configure(Command command)
    {
        command.Arguments.Add(_email);
        command.Options.Add(_name);
        command.Options.Add(_picture);
        command.Options.Add(_noPicture);
        command.Validators.Add(result =>
        {
            if (result.GetValue(_picture) is not null && result.GetValue(_noPicture))
                result.AddError("--picture and --no-picture cannot be used together");
            else if (result.GetValue(_name) is null && result.GetValue(_picture) is null && !result.GetValue(_noPicture))
                result.AddError("expected at least one change: --name, --picture or --no-picture");
        });
    }

    public async Task<int> RunAsync(ParseResult parse, AdminConsole console, CancellationToken cancellationToken)
    {
        var email = parse.GetValue(_email)!.Trim().ToLowerInvariant();
        var change = new ProfileChange { Name = parse.GetValue(_name), ProfilePicUrl = parse.GetValue(_picture) };
        var clearPicture = parse.GetValue(_noPicture);
        if (RequestValidator.NormalizeAndValidate(change) is [_, ..] errors)
            return await console.RefuseAsync(string.Join(", ", errors));
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, cancellationToken);
        if (user is null) return await console.RefuseAsync($"no user with email '{email}'");
        if (change.Name is { } name) user.Name = name;
        if (change.ProfilePicUrl is { } picture) user.ProfilePicUrl = picture;
        if (clearPicture) user.ProfilePicUrl = null;
        user.UpdatedAt = time.GetUtcNow();
        db.AddOutboxMessage(AuthEvents.UserChanged, new UserChanged(user.Id, UserChanges.Profile));
        await db.SaveChangesAsync(cancellationToken);
        await console.Out.WriteLineAsync($"{user.Email}: {user.Name}, {user.ProfilePicUrl ?? "no picture"}");
        return 0;
    }

    /// <summary>The fields a profile change may set, with sign-up's rules (<see cref="SignUpRequest"/>).</summary>
    private sealed class ProfileChange
    {
        [StringLength(200, MinimumLength = 2)] public string? Name { get; set; }
        [StringLength(AuthRules.MaxUrlLength), HttpUrl] public string? ProfilePicUrl { get; set; }
    }
}
