using System.Security.Claims;
using GoMicro.Modules.Blog.Model;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;

namespace GoMicro.Modules.Blog.AuthorLookup;

/// <summary>
/// Who wrote a blog. The Blog database stores only author ids; names and pictures belong to the Auth module, which
/// answers <see cref="AuthSubjects.ProfileUser"/> over the bus (in-process in the monolith, NATS when split).
/// </summary>
internal sealed class AuthorProfiles(IModuleBus bus)
{
    /// <summary>The author's public profile, or null when the Auth module does not know the user (its error reply,
    /// which the reference maps to 404). A bus outage is not "unknown": <see cref="BusUnavailableException"/> propagates
    /// and becomes a 503.</summary>
    public async Task<BlogAuthor?> FindAsync(Guid authorId, CancellationToken cancellationToken)
    {
        try
        {
            var user = await bus.RequestAsync<Text, User>(AuthSubjects.ProfileUser, new Text(authorId.ToString()), cancellationToken);
            return new BlogAuthor(user.Id, user.Name, user.ProfilePicUrl);
        }
        catch (BusErrorException)
        {
            return null;
        }
    }

    /// <summary>The signed-in user as the author of their own blogs: the authentication reply already carries the profile.</summary>
    public static BlogAuthor FromPrincipal(ClaimsPrincipal principal)
    {
        var user = principal.ToUser();
        return new BlogAuthor(user.Id, user.Name, user.ProfilePicUrl);
    }
}
