using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using GoMicro.Integration.Tests.Auth;
using GoMicro.Integration.Tests.Blog;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Contracts.Auth;
using Xunit.Abstractions;

namespace GoMicro.Integration.Tests.Gateway;

/// <summary>One <see cref="GatewayTopology"/> for every class below; they run one after another, so an instance that
/// one test kills is back before the next test starts.</summary>
[CollectionDefinition(Name)]
public sealed class GatewayTopologyCollection : ICollectionFixture<GatewayTopology>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "two auth, two blog, one gateway";
}

/// <summary>The Auth API scenarios through the gateway to two auth instances: no difference from the monolith allowed,
/// except the missing-key text, which the gateway answers itself as the reference's Kong plugin does.</summary>
[Collection(GatewayTopologyCollection.Name)]
public sealed class AuthApiThroughTheGateway(GatewayTopology topology) : AuthApiScenarios(topology);

/// <summary>The Blog API scenarios through the gateway to two blog instances.</summary>
[Collection(GatewayTopologyCollection.Name)]
public sealed class BlogApiThroughTheGateway(GatewayTopology topology) : BlogApiScenarios(topology);

/// <summary>
/// Load balancing and instance loss behind the gateway (issue 15 item 5): requests go to both blog instances; a blog
/// instance killed (SIGKILL) under a steady client costs at most the requests it had in flight, and none once the
/// gateway has marked it down; one stopped with SIGTERM costs nothing. The time from the kill to the mark-down is
/// written to the test output (the goal is under 2 s; bench/ measures, tests do not time).
/// </summary>
[Collection(GatewayTopologyCollection.Name)]
public sealed class InstanceLossTests(GatewayTopology topology, ITestOutputHelper output) : IAsyncLifetime
{
    private const string ListPath = "/blog/list/latest?page=1&limit=5";

    /// <summary>Both blog instances run and the gateway sends to both before each test.</summary>
    public async Task InitializeAsync()
    {
        if (!topology.Blog2.IsRunning) await topology.Blog2.StartAgainAsync();
        await topology.WaitUntilUpAsync("blog", GatewayTopology.BlogDestinations);
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Requests_are_spread_round_robin_over_both_blog_instances()
    {
        var before = topology.ProxiedCounts();
        const int requests = 40;
        for (var i = 0; i < requests; i++)
            (await topology.Blog.GetEnvelopeAsync(ListPath)).ShouldSucceed();

        var after = topology.ProxiedCounts();
        var served = GatewayTopology.BlogDestinations.ToDictionary(d => d, d => after.GetValueOrDefault(d) - before.GetValueOrDefault(d));
        Assert.Equal(requests, served.Values.Sum());
        // Round-robin over two healthy instances: one request in two each, one off at most where the rotation started.
        Assert.All(served, s => Assert.InRange(s.Value, requests / 2 - 1, requests / 2 + 1));
    }

    [Fact]
    public async Task A_killed_blog_instance_costs_at_most_its_requests_in_flight_and_none_once_marked_down()
    {
        var author = await TestUsers.CreateAsync(topology, RoleCodes.Author);
        await using var client = SteadyClient.Start(topology.Blog, author.AccessToken);
        await WaitUntilServedAsync("blog2");

        var killedAt = Stopwatch.GetTimestamp();
        topology.Blog2.Kill();
        await topology.Blog2.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await Eventually.HoldsAsync(() => Task.FromResult(!topology.AvailableDestinations("blog").Contains("blog2")), TimeSpan.FromSeconds(30),
            "the gateway marks the killed instance down");
        var markedDownAt = Stopwatch.GetTimestamp();
        // Traffic after the mark-down, all of which must succeed.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var results = await client.StopAsync();

        var markDown = Stopwatch.GetElapsedTime(killedAt, markedDownAt);
        var failed = results.Where(r => !r.Succeeded).ToList();
        output.WriteLine($"marked down {markDown.TotalMilliseconds:0} ms after SIGKILL; {results.Count} requests, {failed.Count} failed " +
            $"({string.Join(", ", failed.Select(f => $"{f.Method} {f.Status} sent {Stopwatch.GetElapsedTime(killedAt, f.SentAt).TotalMilliseconds:0} ms after the kill"))})");
        Assert.DoesNotContain(failed, f => f.SentAt > markedDownAt);
        // Each of the client's loops has one request in flight at a time, so at most that many were on the killed instance.
        Assert.True(failed.Count <= SteadyClient.Loops, $"{failed.Count} requests failed; at most {SteadyClient.Loops} can have been in flight");
        Assert.Contains(results, r => r.SentAt > markedDownAt && r.Succeeded);
    }

    [Fact]
    public async Task A_blog_instance_stopped_with_SIGTERM_costs_no_request()
    {
        var author = await TestUsers.CreateAsync(topology, RoleCodes.Author);
        await using var client = SteadyClient.Start(topology.Blog, author.AccessToken);
        await WaitUntilServedAsync("blog2");

        var stoppedAt = Stopwatch.GetTimestamp();
        await topology.Blog2.TerminateAsync();
        var exitedAt = Stopwatch.GetTimestamp();
        await Eventually.HoldsAsync(() => Task.FromResult(!topology.AvailableDestinations("blog").Contains("blog2")), TimeSpan.FromSeconds(30),
            "the gateway marks the stopped instance down");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var results = await client.StopAsync();

        var failed = results.Where(r => !r.Succeeded).ToList();
        output.WriteLine($"SIGTERM: exited {Stopwatch.GetElapsedTime(stoppedAt, exitedAt).TotalMilliseconds:0} ms after the signal; {results.Count} requests, " +
            $"{failed.Count} failed ({string.Join(", ", failed.Select(f => $"{f.Method} {f.Status}: {f.Body}"))})");
        Assert.Empty(failed);
        Assert.Contains(results, r => r.SentAt > exitedAt && r.Succeeded);
    }

    private Task WaitUntilServedAsync(string destination)
    {
        var before = topology.ProxiedCounts().GetValueOrDefault(destination);
        return Eventually.HoldsAsync(() => Task.FromResult(topology.ProxiedCounts().GetValueOrDefault(destination) >= before + 5), TimeSpan.FromSeconds(30),
            $"the steady client's requests reach {destination}");
    }

    /// <summary>One request's outcome: when it was sent (a <see cref="Stopwatch"/> timestamp), its method and status.</summary>
    private sealed record Outcome(long SentAt, string Method, int Status, string Body)
    {
        public bool Succeeded => Status == (int)HttpStatusCode.OK;
    }

    /// <summary>
    /// A steady client through the gateway: <see cref="Loops"/> loops, each with one request in flight at a time, three
    /// reading the latest-blogs list (GET) and one creating drafts (POST, which the gateway must never resend once the
    /// instance may have received it). A failure is recorded, never thrown.
    /// </summary>
    private sealed class SteadyClient : IAsyncDisposable
    {
        public const int Loops = 4;
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentBag<Outcome> _outcomes = [];
        private readonly Task[] _loops;

        private SteadyClient(HttpClient blog, string accessToken)
        {
            _loops = Enumerable.Range(0, Loops)
                .Select(i => Task.Run(() => LoopAsync(blog, i == 0 ? HttpMethod.Post : HttpMethod.Get, accessToken)))
                .ToArray();
        }

        public static SteadyClient Start(HttpClient blog, string accessToken) => new(blog, accessToken);

        public async Task<IReadOnlyList<Outcome>> StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_loops);
            return _outcomes.OrderBy(o => o.SentAt).ToList();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested) await StopAsync();
            _stop.Dispose();
        }

        private async Task LoopAsync(HttpClient blog, HttpMethod method, string accessToken)
        {
            while (!_stop.IsCancellationRequested)
            {
                var sentAt = Stopwatch.GetTimestamp();
                try
                {
                    var answer = method == HttpMethod.Post
                        ? await blog.SendAsync(method, "/blog/author", BlogSteps.CreateBody(), accessToken)
                        : await blog.SendAsync(method, ListPath);
                    _outcomes.Add(new Outcome(sentAt, method.Method, (int)answer.HttpStatus, answer.Raw));
                }
                catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
                {
                    _outcomes.Add(new Outcome(sentAt, method.Method, 0, ex.Message));
                }
                await Task.Delay(10);
            }
        }
    }
}
