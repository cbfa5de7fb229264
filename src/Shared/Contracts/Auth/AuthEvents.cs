namespace GoMicro.Shared.Contracts.Auth;

/// <summary>
/// Events the Auth module publishes (GoMicro.NET extension; the reference has none) so other processes can evict what
/// they cached about a session, a user or an API key. Each is written in the same transaction as the change (the Auth
/// database's outbox) and published by a running Auth instance once it committed, typically within a few milliseconds,
/// including for changes made by the admin commands in another process. Delivery is at-least-once; consumers must be
/// idempotent, and must not rely on them while the bus is not receiving (see <c>IBusSubscriptionState</c>).
/// </summary>
public static class AuthEvents
{
    /// <summary>The JetStream stream the Auth module stores its events in (ADR 32), so a service that was down when one was
    /// published still applies it when it starts.</summary>
    public const string Stream = "AUTH_EVENTS";

    /// <summary>The subjects of <see cref="Stream"/>: every Auth event.</summary>
    public const string StreamSubjects = "auth.events.>";

    /// <summary>A session ended (sign-out, refresh-token rotation which replaces it, or the per-user session limit which
    /// drops the oldest): payload <see cref="SessionEnded"/>.
    /// Its access token is refused from now on.</summary>
    public const string SessionEnded = "auth.events.session-ended";

    /// <summary>Something other modules may have cached about a user changed (roles granted or revoked, account
    /// deactivated, name or picture changed): payload <see cref="UserChanged"/>.</summary>
    public const string UserChanged = "auth.events.user-changed";

    /// <summary>An API key changed (created or deactivated): payload <see cref="ApiKeyChanged"/>.</summary>
    public const string ApiKeyChanged = "auth.events.apikey-changed";
}

/// <summary>Payload of <see cref="AuthEvents.SessionEnded"/>: <c>{ userId, sessionId, reason }</c>.</summary>
/// <param name="UserId">The session's user.</param>
/// <param name="SessionId">The ended session's access-token id (the token's <c>jti</c> claim).</param>
/// <param name="Reason"><c>signout</c>, <c>refresh</c> or <c>limit</c> (see <see cref="SessionEndReasons"/>).</param>
public sealed record SessionEnded(Guid UserId, string SessionId, string Reason);

/// <summary>Values of <see cref="SessionEnded.Reason"/>.</summary>
public static class SessionEndReasons
{
    /// <summary><c>DELETE /auth/signout</c>.</summary>
    public const string SignOut = "signout";
    /// <summary><c>POST /auth/token/refresh</c> replaced the session with a new one.</summary>
    public const string Refresh = "refresh";
    /// <summary>The user started more sessions than the Auth module keeps per user (<c>Auth:Sessions:MaxPerUser</c>): this,
    /// the oldest, was ended by a newer sign-in or refresh.</summary>
    public const string Limit = "limit";
}

/// <summary>Payload of <see cref="AuthEvents.UserChanged"/>: <c>{ userId, change }</c>.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Change">What changed (see <see cref="UserChanges"/>); consumers should treat any value, known or not, as
/// "forget what you cached about this user".</param>
public sealed record UserChanged(Guid UserId, string Change);

/// <summary>Values of <see cref="UserChanged.Change"/>.</summary>
public static class UserChanges
{
    /// <summary>Roles granted or revoked (admin commands <c>user grant-role</c> / <c>user revoke-role</c>).</summary>
    public const string Roles = "roles";
    /// <summary>The account was deactivated (admin command <c>user deactivate</c>): its sessions are ended and its tokens
    /// refused.</summary>
    public const string Deactivated = "deactivated";
    /// <summary>A deactivated account was enabled again (admin command <c>user activate</c>).</summary>
    public const string Activated = "activated";
    /// <summary>The public profile (name or picture) changed.</summary>
    public const string Profile = "profile";
}

/// <summary>Payload of <see cref="AuthEvents.ApiKeyChanged"/>: <c>{ keySha256, change }</c>. The key itself never
/// travels in an event.</summary>
/// <param name="KeySha256">Lower-case hex SHA-256 of the key's UTF-8 bytes, as <see cref="ApiKeyHash.Of"/> computes it.</param>
/// <param name="Change">What changed (see <see cref="ApiKeyChanges"/>); consumers should forget the key whatever the value.</param>
public sealed record ApiKeyChanged(string KeySha256, string Change);

/// <summary>Values of <see cref="ApiKeyChanged.Change"/>.</summary>
public static class ApiKeyChanges
{
    /// <summary>Admin command <c>apikey deactivate</c>: the key is refused from now on.</summary>
    public const string Deactivated = "deactivated";
    /// <summary>Admin command <c>apikey create</c>: the key is accepted from now on (forget a cached refusal).</summary>
    public const string Created = "created";
}

/// <summary>The one way to name an API key in events and caches without holding the key.</summary>
public static class ApiKeyHash
{
    /// <summary>Lower-case hex SHA-256 of <paramref name="key"/>'s UTF-8 bytes (64 characters).</summary>
    public static string Of(string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
}
