using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Contracts.Auth;

namespace GoMicro.Integration.Tests.Split;

/// <summary>A NATS server restart during a run: requests that need another service fail fast with 503 while it is down,
/// and work again within seconds after it returns, without restarting any process.</summary>
public sealed class NatsOutageTests(NatsOutageTests.OutageTopology topology) : IClassFixture<NatsOutageTests.OutageTopology>
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_nats_restart_gives_503_naming_the_service_while_down_and_service_again_after()
    {
        var author = await TestUsers.CreateAsync(topology, RoleCodes.Author);
        await AuthAnswersTheBlogService();
        // The development key is now cached by the blog process, so the next request goes as far as authentication.
        (await topology.Blog.GetEnvelopeAsync(AuthorDrafts, author.AccessToken)).ShouldSucceed();

        await topology.Nats.StopAsync();

        var down = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/anything", apiKey: UnknownKey());
        down.ShouldFail(HttpStatusCode.ServiceUnavailable);
        Assert.StartsWith("auth service unavailable: ", down.Message);
        // Authentication over the bus: an outage is a 503, never a 401.
        var unauthenticated = await topology.Blog.GetEnvelopeAsync(AuthorDrafts, author.AccessToken);
        unauthenticated.ShouldFail(HttpStatusCode.ServiceUnavailable);
        Assert.StartsWith("auth service unavailable: ", unauthenticated.Message);
        // A subject the auth process serves itself does not need NATS.
        (await topology.Auth.GetEnvelopeAsync("/auth/verify/apikey")).ShouldSucceed();
        await Eventually.HoldsAsync(async () => (await topology.Blog.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
            Recovery, "the blog process reports not ready");

        await topology.Nats.StartAgainAsync();

        await Eventually.HoldsAsync(async () =>
        {
            var answer = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/anything", apiKey: UnknownKey());
            return answer.HttpStatus == HttpStatusCode.Forbidden;
        }, Recovery, "the auth service answers the blog service again");
        await Eventually.HoldsAsync(async () => (await topology.Blog.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            Recovery, "the blog process is ready again");
        (await topology.Blog.GetEnvelopeAsync(AuthorDrafts, author.AccessToken)).ShouldSucceed();
    }

    [Fact]
    public async Task Killing_nats_under_load_gives_503s_never_500s_and_the_service_recovers_by_itself()
    {
        var author = await TestUsers.CreateAsync(topology, RoleCodes.Author);
        await AuthAnswersTheBlogService();
        var statuses = new System.Collections.Concurrent.ConcurrentQueue<(string Phase, HttpStatusCode Status, string Body)>();
        var phase = "before";
        using var stop = new CancellationTokenSource();

        // Four callers, each alternating an authenticated read with a request whose unknown key always needs the auth
        // service, until told to stop.
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var client = topology.BlogHost.CreateClient();
            while (!stop.IsCancellationRequested)
            {
                var read = await client.GetEnvelopeAsync(AuthorDrafts, author.AccessToken);
                statuses.Enqueue((Volatile.Read(ref phase), read.HttpStatus, read.Raw));
                var keyed = await client.SendAsync(HttpMethod.Get, "/blog/anything", apiKey: UnknownKey());
                statuses.Enqueue((Volatile.Read(ref phase), keyed.HttpStatus, keyed.Raw));
            }
        })).ToArray();
        await Eventually.HoldsAsync(() => Task.FromResult(statuses.Count(s => s.Phase == "before") >= 20), Recovery, "the callers are running");

        await topology.Nats.StopAsync();
        Volatile.Write(ref phase, "down");
        await Eventually.HoldsAsync(() => Task.FromResult(statuses.Count(s => s.Phase == "down" && s.Status == HttpStatusCode.ServiceUnavailable) >= 10),
            Recovery, "requests that need the auth service answer 503 while NATS is down");
        await topology.Nats.StartAgainAsync();
        Volatile.Write(ref phase, "back");
        await Eventually.HoldsAsync(() => Task.FromResult(statuses.Count(s => s.Phase == "back" && s.Status == HttpStatusCode.Forbidden) >= 10),
            Recovery, "the auth service answers the blog service again without a restart");
        await stop.CancelAsync();
        await Task.WhenAll(callers);

        // Only the answers of a working service (200, 403 for the unknown key) and 503 for the outage; never a 500, a
        // 401 or a 404 caused by it.
        var unexpected = statuses.Where(s => s.Status is not (HttpStatusCode.OK or HttpStatusCode.Forbidden or HttpStatusCode.ServiceUnavailable)).ToArray();
        Assert.True(unexpected.Length == 0, string.Join(Environment.NewLine, unexpected.Take(5).Select(u => $"{u.Phase}: {(int)u.Status} {u.Body}")));
        Assert.All(statuses.Where(s => s.Status == HttpStatusCode.ServiceUnavailable), s => Assert.Contains("auth service unavailable: ", s.Body));
        (await topology.Blog.GetEnvelopeAsync(AuthorDrafts, author.AccessToken)).ShouldSucceed();
    }

    private const string AuthorDrafts = "/blog/author/drafts?page=1&limit=10";

    private async Task AuthAnswersTheBlogService() =>
        (await topology.Blog.SendAsync(HttpMethod.Get, "/blog/anything", apiKey: UnknownKey()))
            .ShouldFail(HttpStatusCode.Forbidden, "permission denied: invalid x-api-key");

    // A fresh unknown key each time: refusals are cached per key, so a new one always asks the auth service.
    private static string UnknownKey() => $"unknown-{Guid.NewGuid():N}";

    /// <summary>The split services with a short bus timeout, as an operator would set it to fail fast.</summary>
    public sealed class OutageTopology : SplitTopology
    {
        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings) => settings["Bus:RequestTimeout"] = "00:00:03";
    }
}
