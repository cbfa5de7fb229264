using System.Security.Claims;
using System.Text.Encodings.Web;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GoMicro.Shared.AuthClient.Authentication;

/// <summary>
/// Standard ASP.NET Core authentication for <c>Authorization: Bearer &lt;accessToken&gt;</c> that validates nothing
/// itself: it asks the Auth module over the bus (<see cref="AuthSubjects.Authentication"/>), as the reference's blog
/// service does, so any module gets authentication without referencing the Auth module. Accepted answers are kept in the
/// <see cref="AuthenticationCache"/>, so a steady client costs no bus request until an Auth event evicts its entry, the
/// entry's maximum age passes, or the bus stops receiving events. Challenges and forbids answer
/// with the reference's texts in the envelope (api.md section 2). A bus outage propagates as
/// <see cref="BusUnavailableException"/> and becomes a 503, never a 401.
/// </summary>
public sealed class BusAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IModuleBus bus, AuthenticationCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "Bearer";

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.Fail(AuthTexts.MissingAuthorization);
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || header.Length <= "Bearer ".Length)
            return AuthenticateResult.Fail(AuthTexts.InvalidAuthorization);

        var key = AuthenticationCache.KeyOf(header);
        if (cache.TryGet(key, out var user))
            return AuthenticateResult.Success(new AuthenticationTicket(UserClaims.ToPrincipal(user, Scheme.Name), Scheme.Name));
        var fetch = cache.BeginFetch();
        try
        {
            user = await bus.RequestAsync<Text, User>(AuthSubjects.Authentication, new Text(header), Context.RequestAborted);
        }
        catch (BusErrorException ex)
        {
            return AuthenticateResult.Fail(ex.Message.StartsWith("permission denied", StringComparison.Ordinal)
                ? ex.Message
                : $"permission denied: {ex.Message}");
        }
        cache.Store(key, header, user, fetch);
        return AuthenticateResult.Success(new AuthenticationTicket(UserClaims.ToPrincipal(user, Scheme.Name), Scheme.Name));
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        await ApiResults.WriteErrorAsync(Context, StatusCodes.Status401Unauthorized, result.Failure?.Message ?? AuthTexts.MissingAuthorization);
    }

    /// <inheritdoc />
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiResults.WriteErrorAsync(Context, StatusCodes.Status403Forbidden, AuthTexts.InsufficientRole);
}

/// <summary>
/// The principal of a request the Auth module authenticated: the standard claims, and the bus <see cref="User"/> they
/// were built from, so handlers and endpoints read the user without searching and parsing the claims again (the role
/// check and the endpoint each did so on every request).
/// </summary>
public sealed class UserPrincipal : ClaimsPrincipal
{
    internal UserPrincipal(User user, ClaimsIdentity identity) : base(identity) => User = user;

    /// <summary>The user as the Auth module answered it (roles null when it did not send them).</summary>
    public User User { get; }
}

/// <summary>Maps the bus <see cref="User"/> to and from a <see cref="ClaimsPrincipal"/>.</summary>
public static class UserClaims
{
    /// <summary>Present (value <c>true</c>) when the Auth module sent the user's roles, so roles can be checked locally.</summary>
    public const string RolesKnownClaim = "gomicro:roles_known";
    private const string EmailClaim = ClaimTypes.Email;
    private const string PictureClaim = "picture";

    /// <summary>Builds the principal: <c>sub</c> (name identifier), name, email, picture and one role claim per role code.</summary>
    public static UserPrincipal ToPrincipal(User user, string authenticationType)
    {
        var claims = new List<Claim>(6)
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Name, user.Name),
            new(EmailClaim, user.Email),
        };
        if (user.ProfilePicUrl is not null) claims.Add(new Claim(PictureClaim, user.ProfilePicUrl));
        if (user.Roles is not null)
        {
            claims.Add(new Claim(RolesKnownClaim, "true"));
            claims.AddRange(user.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        }
        return new UserPrincipal(user, new ClaimsIdentity(claims, authenticationType));
    }

    /// <summary>The signed-in user as the bus contract carries it: the <see cref="UserPrincipal"/>'s own, or read from the
    /// claims of a principal built elsewhere.</summary>
    /// <exception cref="InvalidOperationException">The principal was not built by <see cref="ToPrincipal"/> (the endpoint lacks an authorization policy).</exception>
    public static User ToUser(this ClaimsPrincipal principal)
    {
        if (principal is UserPrincipal built) return built.User;
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier)
                 ?? throw new InvalidOperationException("The request is not authenticated; add an authorization policy to the endpoint.");
        IReadOnlyList<string>? roles = principal.HasClaim(c => c.Type == RolesKnownClaim)
            ? principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToArray()
            : null;
        return new User(Guid.Parse(id), principal.FindFirstValue(ClaimTypes.Name) ?? "", principal.FindFirstValue(EmailClaim) ?? "",
            principal.FindFirstValue(PictureClaim), roles);
    }
}
