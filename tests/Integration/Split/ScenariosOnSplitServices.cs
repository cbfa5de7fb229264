using GoMicro.Integration.Tests.Auth;
using GoMicro.Integration.Tests.Blog;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Split;

// The monolith's API scenarios, unchanged, against an auth process and a blog process over NATS: no difference allowed.

/// <summary>The Auth API scenarios on the split services.</summary>
public sealed class AuthApiOnSplitServices(SplitTopology topology) : AuthApiScenarios(topology), IClassFixture<SplitTopology>;

/// <summary>The Blog API scenarios on the split services (the blog process's in-memory cache).</summary>
public sealed class BlogApiOnSplitServices(SplitTopology topology) : BlogApiScenarios(topology), IClassFixture<SplitTopology>;

/// <summary>The Blog API scenarios on the split services with Redis, as deployed.</summary>
public sealed class BlogApiOnSplitServicesWithRedis(SplitWithRedisTopology topology) : BlogApiScenarios(topology), IClassFixture<SplitWithRedisTopology>;

/// <summary>The cache scenarios on the split services (in-memory cache).</summary>
public sealed class BlogCacheOnSplitServices(SplitTopology topology) : BlogCacheScenarios(topology), IClassFixture<SplitTopology>;

/// <summary>The cache scenarios on the split services with Redis.</summary>
public sealed class BlogCacheOnSplitServicesWithRedis(SplitWithRedisTopology topology) : BlogCacheScenarios(topology), IClassFixture<SplitWithRedisTopology>;

/// <summary>The Redis outage scenarios on the split services, with a redis-server of their own.</summary>
public sealed class RedisOutageOnSplitServices(SplitWithOwnRedisTopology topology)
    : RedisOutageScenarios(topology, topology.Redis), IClassFixture<SplitWithOwnRedisTopology>;

/// <summary>The split services with the shared test Redis as cache, under a key prefix of their own.</summary>
public sealed class SplitWithRedisTopology : SplitTopology
{
    private readonly string _keyPrefix = $"test-{Guid.NewGuid():N}:";

    /// <inheritdoc />
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["ConnectionStrings:Redis"] = TestEnvironment.Redis;
        settings["Cache:Redis:InstanceName"] = _keyPrefix;
    }
}

/// <summary>The split services on a redis-server of their own, with the short cache timeouts of
/// <see cref="MonolithWithOwnRedisTopology"/>, so the outage scenarios can stop and pause it.</summary>
public sealed class SplitWithOwnRedisTopology : SplitTopology
{
    /// <summary>The topology's own Redis.</summary>
    public RedisServer Redis { get; private set; } = null!;

    /// <inheritdoc />
    protected override void Configure(Dictionary<string, string?> settings) => MonolithWithOwnRedisTopology.UseOwnRedis(settings, Redis);

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
