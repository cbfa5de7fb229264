namespace GoMicro.Shared.Web.RateLimiting;

/// <summary>
/// The limits bound from <c>RateLimiting</c> (ADR 0018). Each is a fixed window per partition, counted in this process
/// only: behind a load balancer that spreads requests over N instances a client gets up to N times each limit.
/// </summary>
public sealed class RateLimitingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "RateLimiting";

    /// <summary><c>RateLimiting:WrongPasswordsPerAccount</c>: wrong passwords one account may receive per window before its
    /// sign-ins are answered 429 until the window ends, whatever address they come from (default 5 in 15 minutes). Only
    /// wrong passwords count; other accounts from the same address are not affected.</summary>
    public FixedWindowRule WrongPasswordsPerAccount { get; set; } = new() { PermitLimit = 5, Window = TimeSpan.FromMinutes(15) };

    /// <summary><c>RateLimiting:AuthRequestsPerAddress</c>: sign-up, sign-in and token refresh requests one client address
    /// may make per window (default 300 a minute: generous, because many users share an address behind NAT; the
    /// per-account rule is what stops password guessing). IPv6 addresses count per /64, the block one client is given.</summary>
    public FixedWindowRule AuthRequestsPerAddress { get; set; } = new() { PermitLimit = 300, Window = TimeSpan.FromMinutes(1) };

    /// <summary><c>RateLimiting:RequestsPerApiKey</c>: requests one API key may make per window, on every route that takes
    /// a key (default 60,000 a minute, a thousand a second on average).</summary>
    public FixedWindowRule RequestsPerApiKey { get; set; } = new() { PermitLimit = 60_000, Window = TimeSpan.FromMinutes(1) };

    /// <summary><c>RateLimiting:CommentsPerUser</c>: comments one signed-in user may post per window (default 10 a minute,
    /// issue 34). Counted per user id once the request is authenticated and valid, by the Blog module.</summary>
    public FixedWindowRule CommentsPerUser { get; set; } = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) };
}

/// <summary>One limit: at most <see cref="PermitLimit"/> per <see cref="Window"/>; the count starts again when the window,
/// which begins with the partition's first counted request, ends.</summary>
public sealed class FixedWindowRule
{
    /// <summary>How many are allowed per window; 0 switches the rule off.</summary>
    public int PermitLimit { get; set; }

    /// <summary>The window's length; more than zero.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>False when <see cref="PermitLimit"/> is 0.</summary>
    public bool Enabled => PermitLimit > 0;

    /// <summary>True when the rule can be applied: no negative limit, a window longer than zero. Checked at start-up.</summary>
    public bool IsValid => PermitLimit >= 0 && Window > TimeSpan.Zero;
}
