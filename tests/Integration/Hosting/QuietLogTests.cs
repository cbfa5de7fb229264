using System.Diagnostics.Metrics;
using GoMicro.Host.Web;
using GoMicro.Integration.Tests.Blog;
using GoMicro.Integration.Tests.Gateway;
using GoMicro.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>What the logs hold by default: our own lines, one request line per request where the development level asks
/// for it, and no library's informational chatter (the cache library wrote a 300-character line per cache call, the
/// proxy two per request and one per health probe).</summary>
public static class QuietLogs
{
    /// <summary>Entries at Information or below from a category that is not ours: the request line, the host's
    /// lifetime lines ("Now listening on") and the GoMicro.* categories are.</summary>
    public static CapturedLog[] LibraryChatter(IEnumerable<CapturedLog> entries) => entries
        .Where(e => e.Level <= LogLevel.Information)
        .Where(e => !e.Category.StartsWith("GoMicro.", StringComparison.Ordinal)
                    && e.Category != RequestLogs.Category && e.Category != "Microsoft.Hosting.Lifetime")
        .ToArray();

    /// <summary>The chatter, one entry a line, for a failure message.</summary>
    public static string Describe(IEnumerable<CapturedLog> entries) =>
        string.Join('\n', entries.Take(10).Select(e => $"{e.Level} {e.Category}: {e.Message[..Math.Min(e.Message.Length, 160)]}"));
}

/// <summary>The walkthrough's steps on a monolith with Redis and the development request-log level.</summary>
public sealed class QuietLogTests(QuietLogTests.DevelopmentMonolithWithRedis monolith) : IClassFixture<QuietLogTests.DevelopmentMonolithWithRedis>
{
    [Fact]
    public async Task The_walkthrough_writes_no_library_line_below_warning()
    {
        var logs = LogCapture.AttachTo(monolith.BlogHost.Services);
        var cast = await BlogCast.CreateAsync(monolith);
        var blog = await monolith.CreatePublishedAsync(cast);
        for (var read = 0; read < 2; read++)
        {
            (await monolith.Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldSucceed();
            (await monolith.Blog.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).ShouldSucceed();
            (await monolith.Blog.GetEnvelopeAsync($"/blog/list/similar/id/{blog.Id}")).ShouldSucceed();
        }
        (await monolith.Blog.GetEnvelopeAsync("/blog/list/latest?page=1&limit=5")).ShouldSucceed();

        // The capture was live: each request wrote its one line.
        Assert.True(logs.Entries.Count(e => e.Category == RequestLogs.Category) >= 10, "the request lines were captured");
        var chatter = QuietLogs.LibraryChatter(logs.Entries);
        Assert.True(chatter.Length == 0, $"library lines below Warning:\n{QuietLogs.Describe(chatter)}");
    }

    /// <summary>The monolith on the shared Redis (whose cache calls the library logged) with the request-log level of
    /// appsettings.Development.json; the library levels are appsettings.json's, which every environment reads.</summary>
    public sealed class DevelopmentMonolithWithRedis : MonolithWithRedisTopology
    {
        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings[$"Logging:LogLevel:{RequestLogs.Category}"] = "Information";
        }
    }
}

/// <summary>An idle split behind the gateway writes nothing while the gateway probes every instance each second.</summary>
[Collection(GatewayTopologyCollection.Name)]
public sealed class IdleGatewayLogTests(GatewayTopology topology)
{
    [Fact]
    public async Task The_idle_split_writes_no_line_for_the_gateways_health_probes()
    {
        var logs = new[] { LogCapture.AttachTo(topology.Gateway.Services), LogCapture.AttachTo(topology.BlogHost.Services), LogCapture.AttachTo(topology.AuthHost.Services) };
        using var served = new MetricCollector<double>(topology.BlogHost.Services.GetRequiredService<IMeterFactory>(),
            "Microsoft.AspNetCore.Hosting", "http.server.request.duration");

        // Three probes answered by the in-memory blog instance (the gateway probes each destination every second).
        await Eventually.HoldsAsync(() => Task.FromResult(served.GetMeasurementSnapshot()
                .Count(m => Equals(m.Tags.GetValueOrDefault("http.route"), "/health/ready")) >= 3),
            TimeSpan.FromSeconds(30), "the gateway probed the blog instance three times");

        var entries = logs.SelectMany(l => l.Entries).ToArray();
        var chatter = QuietLogs.LibraryChatter(entries);
        Assert.True(chatter.Length == 0, $"library lines below Warning:\n{QuietLogs.Describe(chatter)}");
        Assert.DoesNotContain(entries, e => e.Message.Contains("/health", StringComparison.Ordinal));
    }
}
