namespace GoMicro.Shared.Contracts.Auth;

/// <summary>
/// The reference's refusal texts for a missing or wrong <c>Authorization</c> and a missing role (api.md section 2), as
/// both ends of the wire write them: the Auth module in its bus replies and HTTP answers, the Auth client in the
/// challenges of other modules. Kept beside the subjects because a caller may compare them; they must never change.
/// </summary>
public static class AuthTexts
{
    /// <summary>401 text when the header is absent.</summary>
    public const string MissingAuthorization = "permission denied: missing Authorization";

    /// <summary>401 text when the header is not a Bearer value.</summary>
    public const string InvalidAuthorization = "permission denied: invalid Authorization";

    /// <summary>403 text when the user lacks every required role (the reference's spelling, kept on purpose).</summary>
    public const string InsufficientRole = "permission denied: does not have suffient role";
}
