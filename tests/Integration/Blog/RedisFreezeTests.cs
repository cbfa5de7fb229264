using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Blog.Caching.Redis;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>The monolith on a redis-server of its own with the product's default Redis budget (no test override).</summary>
public sealed class MonolithOnDefaultRedisBudgetTopology : MonolithWithOwnRedisTopology
{
    /// <inheritdoc />
    protected override void Configure(Dictionary<string, string?> settings)
    {
        base.Configure(settings);
        settings.Remove("Cache:Redis:OperationTimeout"); // the base's and GoMicroHostFactory's test value
    }

    /// <inheritdoc />
    protected override void ConfigureServices(IServiceCollection services)
    {
        base.ConfigureServices(services);
        // The test's own execution context (an AsyncLocal per request) flows into the host's handling of the request, so
        // the host's Redis calls can be counted per request.
        services.Configure<TestServerOptions>(options => options.PreserveExecutionContext = true);
    }
}

/// <summary>
/// A frozen Redis (SIGSTOP: connections stay open, nothing is answered) under a load that needs Redis on every round:
/// an author edits a blog (the change's generations are written to Redis) and reads it back by id and by slug (new
/// generations, so the views are looked up in Redis and written there). No request fails and none shows an older
/// title. How long requests waited is measured, not asserted (a loaded machine makes any request slow): the figures go
/// to the test output and, when <c>GOMICRO_BENCH_REDIS_FREEZE</c> names a file, to that file for bench/faults.sh's
/// <c>redis-freeze</c> target.
/// </summary>
/// <remarks>
/// Two figures per request: how long it took in all, and how long it waited on Redis, the sum of its calls to the
/// distributed cache as the product measures them (<see cref="BudgetedDistributedCache.DurationInstrument"/>: until
/// Redis answered, failed or the budget ran out; a call the open circuit breaker skips makes none). The second is what the budget bounds; the first also
/// holds the database, the CPU and the garbage collector of a test process sharing two cores with PostgreSQL, which
/// put requests over the budget plus 50 ms before the freeze as well (both phases are reported). The requests of this
/// load never wait on one another's cache entry (each worker has its own blog), so no wait on Redis hides in a lock.
/// </remarks>
public sealed class RedisFreezeTests(MonolithOnDefaultRedisBudgetTopology topology, ITestOutputHelper output)
    : IClassFixture<MonolithOnDefaultRedisBudgetTopology>
{
    private static readonly TimeSpan Freeze = TimeSpan.FromSeconds(5);

    private sealed record Sample(string What, long StartedAt, long EndedAt, double Milliseconds, double RedisMilliseconds, string RedisCalls, string? Problem);

    /// <summary>The Redis calls of the request this flow is making; null in every other flow (other tests' hosts included).</summary>
    private static readonly AsyncLocal<RedisWait?> CurrentRequest = new();

    private sealed class RedisWait
    {
        private readonly ConcurrentQueue<(string Call, double Milliseconds)> _calls = new();
        public void Add(string call, double seconds) => _calls.Enqueue((call, seconds * 1000));
        public double Milliseconds => _calls.Sum(c => c.Milliseconds);
        /// <summary>Each call as it ended: its operation and milliseconds (printed for the request that waited longest).</summary>
        public string Calls => string.Join(", ", _calls.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Call} {c.Milliseconds:0.0} ms")));
    }

    [Fact]
    public async Task Requests_under_load_neither_fail_nor_show_an_older_view_while_redis_is_frozen()
    {
        var budget = topology.BlogHost.Services.GetRequiredService<IOptions<RedisConnectionOptions>>().Value.OperationTimeout;
        // The product's own measure of each call's wait (BudgetedDistributedCache), recorded in the caller's flow, so the
        // listener sees the request's counter; every other flow (other tests' hosts, the outbox dispatcher) has none.
        using var redisCalls = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument is { Name: BudgetedDistributedCache.DurationInstrument, Meter.Name: BudgetedDistributedCache.MeterName })
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        redisCalls.SetMeasurementEventCallback<double>((_, seconds, tags, _) => CurrentRequest.Value?.Add(Operation(tags), seconds));
        redisCalls.Start();
        var cast = await BlogCast.CreateAsync(topology);
        var blogs = new List<TestBlog>();
        for (var i = 0; i < 4; i++) blogs.Add(await topology.CreatePublishedAsync(cast));

        var samples = new ConcurrentQueue<Sample>();
        using var stop = new CancellationTokenSource();
        var load = blogs.Select((blog, worker) => Task.Run(async () =>
        {
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                var title = $"Freeze {worker}.{round}";
                await MeasureAsync(samples, "edit", async () =>
                {
                    var edit = await topology.Blog.PutEnvelopeAsync("/blog/author", new Dictionary<string, object> { ["_id"] = blog.Id.ToString(), ["title"] = title },
                        cast.Author.AccessToken);
                    return edit.HttpStatus == HttpStatusCode.OK ? null : $"HTTP {(int)edit.HttpStatus} {edit.Message}";
                });
                foreach (var path in new[] { $"/blog/id/{blog.Id}", $"/blog/slug/{blog.Slug}" })
                    await MeasureAsync(samples, "read", async () =>
                    {
                        var read = await topology.Blog.GetEnvelopeAsync(path);
                        var seen = read.HttpStatus == HttpStatusCode.OK ? read.Data.GetProperty("title").GetString() : $"HTTP {(int)read.HttpStatus}";
                        return seen == title ? null : $"{path}: {seen} instead of {title}";
                    });
            }
        })).ToArray();

        await Eventually.HoldsAsync(() => Task.FromResult(samples.Count >= 60), TimeSpan.FromSeconds(60), "the load to run with Redis answering");
        await topology.Redis.PauseAsync();
        var frozenAt = Stopwatch.GetTimestamp();
        string? healthDuringFreeze;
        try
        {
            // The freeze is felt: the readiness probe's ping times out.
            await Eventually.HoldsAsync(async () => await RedisHealthAsync() == "Degraded", Freeze, "Redis to show as degraded while frozen");
            healthDuringFreeze = "Degraded";
            var left = Freeze - Stopwatch.GetElapsedTime(frozenAt);
            if (left > TimeSpan.Zero) await Task.Delay(left);
        }
        finally
        {
            await topology.Redis.ResumeAsync();
        }
        var resumedAt = Stopwatch.GetTimestamp();
        var seenAtResume = samples.Count;
        await Eventually.HoldsAsync(() => Task.FromResult(samples.Count >= seenAtResume + 30), TimeSpan.FromSeconds(60), "the load to go on after the freeze");
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var all = samples.ToArray();
        // Every request that was in flight at any moment of the freeze, including those it caught half-way.
        var during = all.Where(s => s.EndedAt > frozenAt && s.StartedAt < resumedAt).ToArray();
        var before = all.Where(s => s.EndedAt < frozenAt).ToArray();
        Report(budget, before, during);

        Assert.Equal("Degraded", healthDuringFreeze);
        Assert.True(during.Length >= 20, $"only {during.Length} requests ran during the freeze");
        // The count is real: the freeze outlasts the circuit breaker's second several times, and each time it closes the
        // next call waits for the frozen Redis until the budget runs out, inside some request.
        Assert.Contains(during, s => s.RedisMilliseconds >= budget.TotalMilliseconds);
        Assert.Empty(all.Where(s => s.Problem is not null).Select(s => s.Problem));
    }

    private static async Task MeasureAsync(ConcurrentQueue<Sample> samples, string what, Func<Task<string?>> request)
    {
        var redis = new RedisWait();
        CurrentRequest.Value = redis;
        var started = Stopwatch.GetTimestamp();
        string? problem;
        try
        {
            problem = await request();
        }
        catch (Exception ex)
        {
            problem = $"{what}: {ex.GetType().Name} {ex.Message}";
        }
        finally
        {
            CurrentRequest.Value = null;
        }
        var ended = Stopwatch.GetTimestamp();
        samples.Enqueue(new Sample(what, started, ended, Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds, redis.Milliseconds, redis.Calls, problem));
    }

    private static string Operation(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? operation = null, error = null;
        foreach (var (key, value) in tags)
        {
            if (key == "cache.operation") operation = value as string;
            else if (key == "error.type") error = value as string;
        }
        return error is null ? $"{operation}" : $"{operation} ({error})";
    }

    private async Task<string?> RedisHealthAsync()
    {
        using var response = await topology.Blog.GetAsync("/health/ready");
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return report.RootElement.GetProperty("checks").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == "redis").GetProperty("status").GetString();
    }

    /// <summary>
    /// Writes the figures of each phase: the requests' p50, p99 and max, how many took longer than the budget plus 50 ms
    /// in all, then the p99 and max of their waits on Redis and how many waited on it longer than the budget plus 50 ms.
    /// </summary>
    private void Report(TimeSpan budget, Sample[] before, Sample[] during)
    {
        var limit = budget.TotalMilliseconds + 50;
        static double At(double[] sorted, double q) =>
            sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        string Line(string phase, Sample[] s)
        {
            var ms = s.Select(x => x.Milliseconds).Order().ToArray();
            var redis = s.Select(x => x.RedisMilliseconds).Order().ToArray();
            return string.Create(CultureInfo.InvariantCulture,
                $"redis-freeze {phase}: requests {ms.Length} p50 {At(ms, 0.50):0.0} ms p99 {At(ms, 0.99):0.0} ms max {At(ms, 1):0.0} ms over-budget {ms.Count(m => m > limit)} (budget {budget.TotalMilliseconds:0} ms + 50 ms)" +
                $" waits-on-redis p99 {At(redis, 0.99):0.0} ms max {At(redis, 1):0.0} ms over-budget {redis.Count(m => m > limit)}");
        }
        var lines = new List<string> { Line("before", before), Line("during", during) };
        if (during.MaxBy(x => x.RedisMilliseconds) is { } longest)
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"redis-freeze longest wait: a {longest.What} of {longest.Milliseconds:0.0} ms in all, its Redis calls: {(longest.RedisCalls.Length == 0 ? "none" : longest.RedisCalls)}"));
        foreach (var line in lines) output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("GOMICRO_BENCH_REDIS_FREEZE") is { Length: > 0 } file) File.AppendAllLines(file, lines);
    }
}
