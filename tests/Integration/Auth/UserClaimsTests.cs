using System.Security.Claims;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Contracts.Auth;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>The user read back from a request's principal, whether it carries the user or only the claims.</summary>
public sealed class UserClaimsTests
{
    public static TheoryData<User> Users => new()
    {
        new User(Guid.NewGuid(), "Ada", "ada@example.com", "https://example.com/ada.png", [RoleCodes.Author, RoleCodes.Editor]),
        new User(Guid.NewGuid(), "No Roles Sent", "none@example.com", null),
        new User(Guid.NewGuid(), "No Roles Held", "empty@example.com", null, []),
    };

    [Theory]
    [MemberData(nameof(Users))]
    public void The_principal_built_from_a_user_gives_that_user_back_from_itself_and_from_its_claims(User user)
    {
        var principal = UserClaims.ToPrincipal(user, BusAuthenticationHandler.SchemeName);
        Assert.Same(user, principal.ToUser());

        // A principal rebuilt from the same claims (as a claims transformation or a merge of schemes would) reads the same user.
        var fromClaims = new ClaimsPrincipal(new ClaimsIdentity(principal.Claims, BusAuthenticationHandler.SchemeName)).ToUser();
        Assert.Equal((user.Id, user.Name, user.Email, user.ProfilePicUrl), (fromClaims.Id, fromClaims.Name, fromClaims.Email, fromClaims.ProfilePicUrl));
        Assert.Equal(user.Roles, fromClaims.Roles);
    }

    [Fact]
    public void An_unauthenticated_principal_has_no_user() =>
        Assert.Throws<InvalidOperationException>(() => new ClaimsPrincipal(new ClaimsIdentity()).ToUser());
}
