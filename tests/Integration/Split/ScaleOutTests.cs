using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Split;

/// <summary>Two instances of each role on one NATS server: the auth queue group spreads requests across the auth
/// instances, as their <c>$SRV.STATS</c> counters show.</summary>
public sealed class ScaleOutTests(ScaledOutTopology topology) : IClassFixture<ScaledOutTopology>
{
    [Fact]
    public async Task Requests_from_both_blog_instances_spread_across_both_auth_instances()
    {
        var user = await TestUsers.CreateAsync(topology);
        using var nats = NatsProbe.Connect(topology.Nats.Url);
        var before = await nats.RequestCountsAsync("auth", AuthSubjects.Authentication, instances: 2);

        foreach (var blog in topology.BlogHosts)
        {
            var bus = blog.Services.GetRequiredService<IModuleBus>();
            for (var i = 0; i < 20; i++)
                Assert.Equal(user.Id, (await bus.RequestAsync<Text, User>(AuthSubjects.Authentication, new Text($"Bearer {user.AccessToken}"))).Id);
        }

        var after = await nats.RequestCountsAsync("auth", AuthSubjects.Authentication, instances: 2);
        Assert.Equal(2, after.Count);
        var handled = after.ToDictionary(a => a.Key, a => a.Value - before.GetValueOrDefault(a.Key));
        // At least one each; a few more when a reply was slower than Bus:HedgeDelay and a hedged copy was sent.
        Assert.True(handled.Values.Sum() >= 40, $"{handled.Values.Sum()} requests handled for 40 sent");
        Assert.All(handled.Values, count => Assert.True(count > 0, $"each auth instance handles some requests: {string.Join(", ", handled)}"));
    }
}

/// <summary>Stopping one of two auth instances while both blog instances keep serving authenticated reads fails no
/// request: the stopping instance finishes what it has, the queue group sends the rest to the other.</summary>
public sealed class InstanceStopTests(ScaledOutTopology topology) : IClassFixture<ScaledOutTopology>
{
    [Fact]
    public async Task Stopping_an_auth_instance_mid_run_fails_no_read_request()
    {
        var author = await TestUsers.CreateAsync(topology, RoleCodes.Author);
        using var nats = NatsProbe.Connect(topology.Nats.Url);
        var survivorId = (await nats.RequestAsync("$SRV.PING.auth")).GetProperty("id").GetString();
        var stopped = new TaskCompletionSource();
        var completed = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();

        // Two readers per blog instance, each reading its author's drafts (authentication over NATS every time)
        // until well after the stop.
        var readers = topology.BlogHosts.SelectMany(blog => Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            using var client = blog.CreateClient();
            var afterStop = 0;
            while (afterStop < 15)
            {
                if (stopped.Task.IsCompleted) afterStop++;
                var read = await client.GetEnvelopeAsync("/blog/author/drafts?page=1&limit=10", author.AccessToken);
                if (read.HttpStatus == System.Net.HttpStatusCode.OK) Interlocked.Increment(ref completed);
                else failures.Enqueue(read.Raw);
            }
        }))).ToArray();

        await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref completed) >= 20), TimeSpan.FromSeconds(30), "the readers are running");
        await topology.StopAuthInstanceAsync(keep: survivorId);
        stopped.SetResult();
        await Task.WhenAll(readers);

        Assert.Empty(failures);
        var remaining = await nats.CollectAsync("$SRV.PING.auth", expected: 1);
        Assert.Equal(survivorId, Assert.Single(remaining).GetProperty("id").GetString());
    }
}

/// <summary>Two auth and two blog processes on one NATS server and one pair of databases.</summary>
public class ScaledOutTopology : SplitTopology
{
    private readonly List<GoMicroHostFactory> _auth = [];
    private readonly List<GoMicroHostFactory> _blog = [];

    /// <summary>Both auth processes.</summary>
    public IReadOnlyList<GoMicroHostFactory> AuthHosts => _auth;

    /// <summary>Both blog processes.</summary>
    public override IReadOnlyList<GoMicroHostFactory> BlogHosts => _blog;

    /// <inheritdoc />
    protected override async Task StartHostsAsync()
    {
        await base.StartHostsAsync();
        try
        {
            _auth.AddRange([AuthHost, await StartServiceAsync("auth")]);
            _blog.AddRange([BlogHost, await StartServiceAsync("blog")]);
        }
        catch
        {
            // A fixture whose start fails is never disposed: leave no process behind.
            foreach (var host in _auth.Skip(1)) await host.DisposeAsync();
            await base.StopHostsAsync();
            throw;
        }
    }

    /// <summary>Stops (gracefully, as SIGTERM does) the auth instance whose discovery id is not <paramref name="keep"/>.</summary>
    public async Task StopAuthInstanceAsync(string? keep)
    {
        await _auth.Single(h => InstanceId(h) != keep).DisposeAsync();
    }

    /// <inheritdoc />
    protected override async ValueTask StopHostsAsync()
    {
        await _blog[1].DisposeAsync();
        await _auth[1].DisposeAsync();
        await base.StopHostsAsync();
    }

    private static string? InstanceId(GoMicroHostFactory host) =>
        host.Services.GetRequiredService<GoMicro.Host.Bus.Nats.NatsBusService>().InstanceId;
}
