using GoMicro.Integration.Tests.Auth;
using GoMicro.Integration.Tests.Blog;
using GoMicro.Integration.Tests.Comments;
using GoMicro.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace GoMicro.Integration.Tests.Split;

// The API scenarios, unchanged, on the split as production runs its bus (issue 29): an auth process and a blog process
// on a three-node NATS cluster with JetStream, every process given the three URLs, Redis as the cache.

/// <summary>The Auth API scenarios on the split over a NATS cluster.</summary>
public sealed class AuthApiOnNatsCluster(SplitOnNatsClusterTopology topology) : AuthApiScenarios(topology), IClassFixture<SplitOnNatsClusterTopology>;

/// <summary>The Blog API scenarios on the split over a NATS cluster.</summary>
public sealed class BlogApiOnNatsCluster(SplitOnNatsClusterTopology topology) : BlogApiScenarios(topology), IClassFixture<SplitOnNatsClusterTopology>;

/// <summary>The cache scenarios on the split over a NATS cluster: the Auth events reach the blog process through the
/// AUTH_EVENTS stream's durable consumer and the plain subscription alike.</summary>
public sealed class BlogCacheOnNatsCluster(SplitOnNatsClusterTopology topology) : BlogCacheScenarios(topology), IClassFixture<SplitOnNatsClusterTopology>;

/// <summary>The comment scenarios on the split over a NATS cluster.</summary>
public sealed class CommentApiOnNatsCluster(SplitOnNatsClusterTopology topology, ITestOutputHelper output)
    : CommentApiScenarios(topology, output), IClassFixture<SplitOnNatsClusterTopology>;

/// <summary>
/// The split services on a three-node NATS cluster of their own (<see cref="NatsCluster"/>, JetStream on), with the shared
/// test Redis under a key prefix of their own. The single server every <see cref="SplitTopology"/> starts stays up but
/// carries nothing: the processes are given the cluster's URLs.
/// </summary>
public sealed class SplitOnNatsClusterTopology : SplitTopology
{
    private readonly string _keyPrefix = $"test-{Guid.NewGuid():N}:";
    private NatsCluster _cluster = null!;

    /// <inheritdoc />
    protected override string BusUrl => _cluster.Urls;

    /// <inheritdoc />
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["ConnectionStrings:Redis"] = TestEnvironment.Redis;
        settings["Cache:Redis:InstanceName"] = _keyPrefix;
    }

    /// <inheritdoc />
    protected override async Task StartHostsAsync()
    {
        _cluster = await NatsCluster.StartAsync();
        try
        {
            await base.StartHostsAsync();
        }
        catch
        {
            // A fixture whose start fails is never disposed: leave no node behind.
            await _cluster.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    protected override async ValueTask StopHostsAsync()
    {
        await base.StopHostsAsync();
        await _cluster.DisposeAsync();
    }
}
