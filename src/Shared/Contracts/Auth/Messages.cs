using System.Text.Json.Serialization;

namespace GoMicro.Shared.Contracts.Auth;

/// <summary>A single string payload, the reference's <c>message.Text</c>: <c>{ "value": "..." }</c>.</summary>
/// <param name="Value">The text; what it means depends on the subject (a header value, a user id, an API key).</param>
public sealed record Text(string Value);

/// <summary>
/// The user as the reference's <c>message.User</c> carries it: <c>{ id, name, email, profilePicUrl? }</c>.
/// <see cref="Roles"/> is a GoMicro.NET addition (role codes such as <c>AUTHOR</c>); receivers of the reference
/// ignore unknown fields, and callers that get <c>null</c> here (a reference auth service) fall back to
/// asking <see cref="AuthSubjects.Authorization"/>.
/// </summary>
/// <param name="Id">The user's id (a UUID).</param>
/// <param name="Name">Display name, 2–200 characters.</param>
/// <param name="Email">Email address, unique per user.</param>
/// <param name="ProfilePicUrl">Optional absolute URL of the profile picture; omitted from JSON when null.</param>
/// <param name="Roles">Role codes the user holds, or null when the sender does not say.</param>
public sealed record User(
    Guid Id,
    string Name,
    string Email,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ProfilePicUrl,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Roles = null);

/// <summary>The reference's <c>message.UserRole</c>: <c>{ "user": User, "roles": ["EDITOR", ...] }</c>.</summary>
/// <param name="User">The user to check.</param>
/// <param name="Roles">Role codes; holding any one of them is enough.</param>
public sealed record UserRole(User User, IReadOnlyList<string> Roles);

/// <summary>Reply of <see cref="AuthSubjects.ApiKeyVerify"/>: <c>{ "permissions": ["GENERAL"] }</c>.</summary>
/// <param name="Permissions">The key's permission codes.</param>
public sealed record ApiKeyInfo(IReadOnlyList<string> Permissions);

/// <summary>The four role codes of the reference system, as stored and as carried in <see cref="User.Roles"/>.</summary>
public static class RoleCodes
{
    /// <summary>Every new user gets it at sign-up.</summary>
    public const string Learner = "LEARNER";
    /// <summary>May write blogs (the Blog module's <c>/blog/author</c> routes).</summary>
    public const string Author = "AUTHOR";
    /// <summary>May publish and unpublish blogs (<c>/blog/editor</c> routes).</summary>
    public const string Editor = "EDITOR";
    /// <summary>Administrator.</summary>
    public const string Admin = "ADMIN";

    /// <summary>All four codes, in the reference's order.</summary>
    public static readonly IReadOnlyList<string> All = [Learner, Author, Editor, Admin];
}
