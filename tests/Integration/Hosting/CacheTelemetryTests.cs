using System.Diagnostics;
using System.Net;
using GoMicro.Integration.Tests.Blog;
using GoMicro.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>
/// With telemetry on, FusionCache's hit and miss counters (meter <c>ZiggyCreatures.Caching.Fusion</c>) and the Redis
/// command spans of OpenTelemetry.Instrumentation.StackExchangeRedis reach the exporter, read here in memory.
/// </summary>
public sealed class CacheTelemetryTests(CacheTelemetryTests.TelemetryMonolith monolith) : IClassFixture<CacheTelemetryTests.TelemetryMonolith>
{
    private const string Miss = "fusioncache.cache.miss";
    private const string Hit = "fusioncache.cache.hit";

    [Fact]
    public async Task A_first_read_counts_a_miss_and_the_same_read_again_counts_a_hit()
    {
        // An unknown blog: its generation is created by the first read and found by the second (the blog itself, not
        // found, is never cached).
        var path = $"/blog/id/{ObjectId.GenerateNewId()}";
        await QuietOutboxAsync();
        var before = Counts();

        (await monolith.Blog.SendAsync(HttpMethod.Get, path)).ShouldFail(HttpStatusCode.NotFound);
        var afterFirst = Counts();
        (await monolith.Blog.SendAsync(HttpMethod.Get, path)).ShouldFail(HttpStatusCode.NotFound);
        var afterSecond = Counts();

        // FusionCache counts a miss at each level and lock it looks in, so only the direction is asserted: misses and no
        // hit for the first read, hits for the second.
        Assert.Equal(before.Hits, afterFirst.Hits);
        Assert.True(afterFirst.Misses > before.Misses, $"misses {before.Misses} -> {afterFirst.Misses}");
        Assert.True(afterSecond.Hits > afterFirst.Hits, $"hits {afterFirst.Hits} -> {afterSecond.Hits}");
    }

    [Fact]
    public async Task A_cached_read_s_redis_calls_are_spans_of_the_request_s_trace()
    {
        var traceId = ActivityTraceId.CreateRandom();
        (await monolith.Blog.SendAsync(HttpMethod.Get, $"/blog/id/{ObjectId.GenerateNewId()}",
            headers: new Dictionary<string, string> { ["traceparent"] = $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01" }))
            .ShouldFail(HttpStatusCode.NotFound);

        var tracer = monolith.BlogHost.Services.GetRequiredService<TracerProvider>();
        // The instrumentation turns profiled commands into spans when it drains its profiling sessions.
        await Eventually.HoldsAsync(() =>
        {
            tracer.ForceFlush();
            return Task.FromResult(monolith.Spans.ToArray().Any(s => s.TraceId == traceId && IsRedis(s)));
        }, TimeSpan.FromSeconds(20), "a Redis span of the request's trace was exported");
        Assert.Contains(monolith.Spans.ToArray(), s => s.TraceId == traceId && s.Source.Name == ZiggyCreatures.Caching.Fusion.FusionCacheDiagnostics.ActivitySourceName);
    }

    private static bool IsRedis(Activity span) =>
        span.Kind == ActivityKind.Client && (Equals(span.GetTagItem("db.system"), "redis") || Equals(span.GetTagItem("db.system.name"), "redis"));

    /// <summary>Waits until the seed's outbox messages are delivered, since their delivery reads and writes the cache.</summary>
    private Task QuietOutboxAsync() => Eventually.HoldsAsync(
        async () => await monolith.BlogDatabase.ScalarAsync<long>("SELECT count(*) FROM outbox_messages") == 0,
        TimeSpan.FromSeconds(20), "the outbox is empty");

    private (long Hits, long Misses) Counts()
    {
        var metrics = monolith.Metrics;
        lock (metrics) metrics.Clear();
        // Its result also reports the OTLP exporter, which has nobody to send to here.
        monolith.BlogHost.Services.GetRequiredService<MeterProvider>().ForceFlush();
        lock (metrics) return (Sum(metrics, Hit), Sum(metrics, Miss));
    }

    /// <summary>The cumulative count of <paramref name="name"/> for the default cache, 0 before its first increment.</summary>
    private static long Sum(IEnumerable<MetricSnapshot> metrics, string name)
    {
        long sum = 0;
        foreach (var metric in metrics.Where(m => m.Name == name))
            foreach (var point in metric.MetricPoints)
            {
                var cacheName = "";
                foreach (var tag in point.Tags)
                    if (tag.Key == "fusioncache.cache.name") cacheName = tag.Value as string;
                if (cacheName == "FusionCache") sum += point.GetSumLong();
            }
        return sum;
    }

    /// <summary>The monolith on the test Redis, with telemetry on (to an endpoint nobody listens on) and in-memory exporters.</summary>
    public sealed class TelemetryMonolith : MonolithWithRedisTopology
    {
        /// <summary>Spans exported so far.</summary>
        public List<Activity> Spans { get; } = [];

        /// <summary>Metrics of the last flush (cumulative).</summary>
        public List<MetricSnapshot> Metrics { get; } = [];

        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:1";
        }

        /// <inheritdoc />
        protected override void ConfigureServices(IServiceCollection services) => services.AddOpenTelemetry()
            .WithTracing(t => t.AddInMemoryExporter(Spans))
            .WithMetrics(m => m.AddInMemoryExporter(Metrics));
    }
}
