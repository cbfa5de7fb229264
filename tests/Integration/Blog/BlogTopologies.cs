using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>The monolith with the shared test Redis as its cache, under a key prefix of its own so fixtures never share entries.</summary>
public class MonolithWithRedisTopology : MonolithTopology
{
    /// <summary>This fixture's key prefix (<c>Cache:Redis:InstanceName</c>).</summary>
    public string KeyPrefix { get; } = $"test-{Guid.NewGuid():N}:";

    /// <inheritdoc />
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["ConnectionStrings:Redis"] = TestEnvironment.Redis;
        settings["Cache:Redis:InstanceName"] = KeyPrefix;
    }
}

/// <summary>
/// The monolith on a redis-server of its own (<see cref="Redis"/>), which tests may kill, restart, pause and resume.
/// Short cache timeouts keep outage tests quick: a Redis call waits at most 300 ms.
/// </summary>
public class MonolithWithOwnRedisTopology : MonolithTopology
{
    /// <summary>The topology's own Redis.</summary>
    public RedisServer Redis { get; private set; } = null!;

    /// <summary>The key prefix the host uses.</summary>
    public const string KeyPrefix = "gomicro:";

    /// <inheritdoc />
    protected override void Configure(Dictionary<string, string?> settings) => UseOwnRedis(settings, Redis);

    /// <summary>The cache settings of a topology on its own <paramref name="redis"/> (also used by the split topology).</summary>
    public static void UseOwnRedis(Dictionary<string, string?> settings, RedisServer redis)
    {
        settings["ConnectionStrings:Redis"] = redis.ConnectionString;
        settings["Cache:Redis:InstanceName"] = KeyPrefix;
        settings["Cache:Redis:OperationTimeout"] = "00:00:00.300";
    }

    /// <inheritdoc />
    protected override async Task StartHostsAsync()
    {
        Redis = await RedisServer.StartAsync();
        await base.StartHostsAsync();
    }

    /// <inheritdoc />
    protected override async ValueTask StopHostsAsync()
    {
        await base.StopHostsAsync();
        await Redis.DisposeAsync();
    }
}
