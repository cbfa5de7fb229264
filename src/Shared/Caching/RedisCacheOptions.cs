namespace GoMicro.Shared.Caching;

/// <summary>Options bound from the <c>Cache:Redis</c> section; the server itself comes from <c>ConnectionStrings:Redis</c>.</summary>
public sealed class RedisCacheOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Cache:Redis";

    /// <summary><c>Cache:Redis:InstanceName</c>: prefix of every key, so several applications can share one Redis. Default <c>gomicro:</c>.</summary>
    public string InstanceName { get; set; } = "gomicro:";

    /// <summary><c>Cache:Redis:OperationTimeout</c>: how long one cache call may take before it counts as a failure and the
    /// caller falls back to the database. Default 500 ms: a cache that answers slower than the database is no cache.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary><c>Cache:Redis:BreakDuration</c>: after Redis fails, how long calls skip it entirely (failing at once) before
    /// one call probes it again. Default 5 s, so an outage costs each request nothing and recovery is noticed within seconds.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The distributed cache could not be used: Redis is unreachable, too slow, or was recently and is skipped for a while.
/// Callers treat it as a miss (reads) or as a write that must be retried (invalidations); it is never a reason to fail a request.
/// </summary>
/// <param name="message">What failed.</param>
/// <param name="inner">The client's exception, if any.</param>
public sealed class CacheUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
