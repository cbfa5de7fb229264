using System.ComponentModel.DataAnnotations;

namespace GoMicro.Modules.Blog.Caching.Redis;

/// <summary>Options bound from the <c>Cache:Redis</c> section; the server itself comes from <c>ConnectionStrings:Redis</c>.</summary>
internal sealed class RedisConnectionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Cache:Redis";

    /// <summary><c>Cache:Redis:InstanceName</c>: prefix of every key and of the backplane channel, so several applications
    /// (or test fixtures) can share one Redis without seeing each other's entries or invalidations. Default <c>gomicro:</c>.</summary>
    public string InstanceName { get; set; } = "gomicro:";

    /// <summary><c>Cache:Redis:OperationTimeout</c>: the longest one Redis call may take before the cache treats Redis as
    /// absent for that call (a miss, then the database) and skips it for a second (the circuit breaker), so it is also
    /// about the longest a request waits on Redis. Default 50 ms: Redis answers in well under a millisecond on a local
    /// network and the database reads it saves take a few, so a call that has taken tens of milliseconds is a Redis in
    /// trouble, and waiting longer for a cache than the database would take is no cache (issue 30: 500 ms).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(50);
}
