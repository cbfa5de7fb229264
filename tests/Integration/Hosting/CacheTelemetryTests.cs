using System.Diagnostics;
using System.Net;
using GoMicro.Integration.Tests.Blog;
using GoMicro.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>
/// With telemetry on, FusionCache's hit and miss counters (meter <c>ZiggyCreatures.Caching.Fusion</c>) and the Redis
/// command spans of OpenTelemetry.Instrumentation.StackExchangeRedis reach the exporter, read here in memory.
/// </summary>
/// <remarks>FusionCache's meter is static and tags a count with the cache's name only, so it also counts the caches of
/// every other test host alive in this process: these tests run alone (<see cref="CacheTelemetryCollection"/>).</remarks>
[Collection(CacheTelemetryCollection.Name)]
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
    public async Task An_unknown_api_key_counts_a_miss_of_the_refusal_cache_then_a_hit()
    {
        // A key nobody has: the first request asks the Auth module and caches the refusal, the second is answered by it.
        var apiKey = $"unknown-{Guid.NewGuid():N}";
        var before = Lookups("gomicro.api_keys.refused");
        (await monolith.Blog.SendAsync(HttpMethod.Get, "/blog/list/latest?page=1&limit=1", apiKey: apiKey)).ShouldFail(HttpStatusCode.Forbidden);
        var afterFirst = Lookups("gomicro.api_keys.refused");
        (await monolith.Blog.SendAsync(HttpMethod.Get, "/blog/list/latest?page=1&limit=1", apiKey: apiKey)).ShouldFail(HttpStatusCode.Forbidden);
        var afterSecond = Lookups("gomicro.api_keys.refused");

        // The refusal cache's meter is static too, and other test classes' hosts are gone by now; still, only the
        // direction is asserted, so a lookup of the fixture's own background work cannot fail it.
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

    [Fact]
    public async Task Without_an_otlp_endpoint_the_redis_multiplexer_gets_no_profiler()
    {
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")),
            "this test needs OTEL_EXPORTER_OTLP_ENDPOINT unset in the test process");
        await using var app = GoMicro.Host.GoMicroApplication.Build(["--role", "monolith", $"--ConnectionStrings:Redis={TestEnvironment.Redis}"]);
        // The cache's connection looks the instrumentation up when it connects; absent, no command is profiled.
        Assert.Null(app.Services.GetService<OpenTelemetry.Instrumentation.StackExchangeRedis.StackExchangeRedisInstrumentation>());
    }

    private static bool IsRedis(Activity span) =>
        span.Kind == ActivityKind.Client && (Equals(span.GetTagItem("db.system"), "redis") || Equals(span.GetTagItem("db.system.name"), "redis"));

    /// <summary>Waits until the seed's outbox messages are delivered, since their delivery reads and writes the cache (the
    /// Blog's own, and the Auth module's user events, which evict authors' views).</summary>
    private Task QuietOutboxAsync() => Eventually.HoldsAsync(
        async () => await monolith.BlogDatabase.ScalarAsync<long>("SELECT count(*) FROM outbox_messages") == 0
                    && await monolith.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM outbox_messages") == 0,
        TimeSpan.FromSeconds(20), "the outboxes are empty");

    private (long Hits, long Misses) Counts()
    {
        var metrics = Flush();
        return (Sum(metrics, Hit), Sum(metrics, Miss));
    }

    private (long Hits, long Misses) Lookups(string cacheName)
    {
        var metrics = Flush();
        return (SumLookups(metrics, cacheName, "hit"), SumLookups(metrics, cacheName, "miss"));
    }

    /// <summary>The metrics as they are now (cumulative sums).</summary>
    private MetricSnapshot[] Flush()
    {
        var metrics = monolith.Metrics;
        lock (metrics) metrics.Clear();
        // Its result also reports the OTLP exporter, which has nobody to send to here.
        monolith.BlogHost.Services.GetRequiredService<MeterProvider>().ForceFlush();
        lock (metrics) return metrics.ToArray();
    }

    private static long SumLookups(IEnumerable<MetricSnapshot> metrics, string cacheName, string result)
    {
        long sum = 0;
        // A periodic export may have run beside the flush: the last snapshot is the newest (each is cumulative).
        foreach (var metric in metrics.Where(m => m.Name == "gomicro.cache.lookups").TakeLast(1))
            foreach (var point in metric.MetricPoints)
            {
                var tags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags) tags[tag.Key] = tag.Value;
                if (Equals(tags.GetValueOrDefault("cache.name"), cacheName) && Equals(tags.GetValueOrDefault("cache.result"), result)) sum += point.GetSumLong();
            }
        return sum;
    }

    /// <summary>The cumulative count of <paramref name="name"/> for the default cache, 0 before its first increment.</summary>
    private static long Sum(IEnumerable<MetricSnapshot> metrics, string name)
    {
        long sum = 0;
        foreach (var metric in metrics.Where(m => m.Name == name).TakeLast(1))
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

/// <summary>Runs the cache telemetry tests after every parallel collection, with no other test host alive.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CacheTelemetryCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "cache telemetry, alone";
}
