namespace GoMicro.Shared.Contracts.Auth;

/// <summary>
/// Bus subjects served by the Auth module. The first three are the reference system's NATS subjects
/// (gomicro's auth service mounts its controller under <c>auth</c>, so endpoint <c>authentication</c>
/// becomes <c>auth.authentication</c>); they must never change, because a reference service may be on
/// the other end. Subjects are explicit strings, never CLR type names, so a rename cannot break the wire.
/// </summary>
public static class AuthSubjects
{
    /// <summary>Request <see cref="Text"/> holding the raw <c>Authorization</c> header value; reply <see cref="User"/>.
    /// Errors are texts starting with <c>permission denied:</c>, which callers map to HTTP 401.</summary>
    public const string Authentication = "auth.authentication";

    /// <summary>Request <see cref="UserRole"/>; reply <see cref="User"/> when the user holds any of the roles,
    /// else an error that callers map to HTTP 403.</summary>
    public const string Authorization = "auth.authorization";

    /// <summary>Request <see cref="Text"/> holding a user id; reply <see cref="User"/>, or an error that callers map to HTTP 404.</summary>
    public const string ProfileUser = "auth.profile.user";

    /// <summary>
    /// GoMicro.NET extension (the reference checks API keys only at the gateway): request <see cref="Text"/>
    /// holding an <c>x-api-key</c> value; reply <see cref="ApiKeyInfo"/> when the key exists and is active,
    /// else the error <c>permission denied: invalid x-api-key</c>, which callers map to HTTP 403.
    /// </summary>
    public const string ApiKeyVerify = "auth.apikey.verify";
}
