namespace GoMicro.Shared.Web.RateLimiting;

/// <summary>Names of the endpoint rate-limit policies modules opt into with <c>RequireRateLimiting</c>; the Host
/// registers the limiters behind them.</summary>
public static class RateLimitPolicies
{
    /// <summary><see cref="RateLimitingOptions.AuthRequestsPerAddress"/>: for sign-up, sign-in and token refresh.</summary>
    public const string AuthRequestsPerAddress = "auth-requests-per-address";
}
