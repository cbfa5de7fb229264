using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Distributed;

namespace GoMicro.Modules.Blog.Caching.Redis;

/// <summary>
/// Bounds every asynchronous call to the distributed cache (Redis) by the cache's budget,
/// <see cref="RedisConnectionOptions.OperationTimeout"/>, and reports a call over budget as a failure
/// (<see cref="TimeoutException"/>), so that FusionCache's circuit breaker opens and the next calls, of this request
/// and of every other, skip Redis at once. Records how long each call kept its caller waiting in
/// <see cref="DurationInstrument"/>.
/// </summary>
/// <remarks>
/// Why not FusionCache's own <c>DistributedCacheHardTimeout</c> alone: it ends the wait, but FusionCache counts its own
/// timeout as no error, so the breaker stays closed and every following call waits its full timeout again. A request
/// makes several Redis calls one after another (a generation, the view, writing the view back, its tags), so against
/// a frozen Redis it waited several timeouts: 0.8-1.6 s with a 500 ms budget (issue 30). StackExchange.Redis's own
/// <c>AsyncTimeout</c> does fail the call, but it is checked by the multiplexer's heartbeat, about once a second, so it
/// fires up to a second late. The call that went over budget is left to finish or fail in the background; its outcome
/// is observed and dropped. Synchronous calls stay as they are: the multiplexer's <c>SyncTimeout</c>, the same budget,
/// bounds them exactly, and the product makes none on a request's path.
/// </remarks>
internal sealed class BudgetedDistributedCache : IDistributedCache
{
    /// <summary>Meter of <see cref="DurationInstrument"/>, the one the process-local caches' counters use too.</summary>
    public const string MeterName = "GoMicro.Cache";

    /// <summary>
    /// Histogram, in seconds, of how long one asynchronous call to the distributed cache kept its caller waiting: until
    /// Redis answered, failed, or the budget ran out (then about the budget). Attributes: <c>cache.operation</c>
    /// (<c>get</c>, <c>set</c>, <c>refresh</c>, <c>remove</c>) and, for a call that did not succeed, <c>error.type</c>
    /// (the exception's type, <c>System.TimeoutException</c> for one over budget). Not the OpenTelemetry database
    /// client conventions' <c>db.client.operation.duration</c>: a call over budget is still running in Redis when it ends
    /// here, and a cache call is several Redis commands.
    /// </summary>
    public const string DurationInstrument = "gomicro.cache.distributed.duration";

    private static readonly InstrumentAdvice<double> DurationAdvice = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1],
    };

    private readonly IDistributedCache _inner;
    private readonly TimeSpan _budget;
    private readonly Histogram<double> _duration;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The Redis cache.</param>
    /// <param name="budget">The longest one call may take.</param>
    /// <param name="meterFactory">The host's meter factory, which creates <see cref="MeterName"/>.</param>
    public BudgetedDistributedCache(IDistributedCache inner, TimeSpan budget, IMeterFactory meterFactory)
    {
        _inner = inner;
        _budget = budget;
        _duration = meterFactory.Create(MeterName).CreateHistogram(
            DurationInstrument, "s", "How long a call to the distributed cache (Redis) kept its caller waiting; the cache's budget at most.", advice: DurationAdvice);
    }

    public byte[]? Get(string key) => _inner.Get(key);

    // The timestamp is an argument before the call, so the time the call takes to start is counted too.
    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        WithinBudget(Stopwatch.GetTimestamp(), _inner.GetAsync(key, token), "get", key, token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _inner.Set(key, value, options);

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        WithinBudget(Stopwatch.GetTimestamp(), _inner.SetAsync(key, value, options, token), "set", key, token);

    public void Refresh(string key) => _inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) =>
        WithinBudget(Stopwatch.GetTimestamp(), _inner.RefreshAsync(key, token), "refresh", key, token);

    public void Remove(string key) => _inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) =>
        WithinBudget(Stopwatch.GetTimestamp(), _inner.RemoveAsync(key, token), "remove", key, token);

    private async Task<T> WithinBudget<T>(long started, Task<T> call, string operation, string key, CancellationToken token)
    {
        string? error = null;
        try
        {
            return await call.WaitAsync(_budget, token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            error = typeof(TimeoutException).FullName;
            throw OverBudget(call, key);
        }
        catch (Exception ex)
        {
            error = ex.GetType().FullName;
            throw;
        }
        finally
        {
            Record(started, operation, error);
        }
    }

    private async Task WithinBudget(long started, Task call, string operation, string key, CancellationToken token)
    {
        string? error = null;
        try
        {
            await call.WaitAsync(_budget, token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            error = typeof(TimeoutException).FullName;
            throw OverBudget(call, key);
        }
        catch (Exception ex)
        {
            error = ex.GetType().FullName;
            throw;
        }
        finally
        {
            Record(started, operation, error);
        }
    }

    private void Record(long started, string operation, string? error)
    {
        if (!_duration.Enabled) return;
        var tags = new TagList { { "cache.operation", operation } };
        if (error is not null) tags.Add("error.type", error);
        _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }

    private TimeoutException OverBudget(Task call, string key)
    {
        _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return new TimeoutException($"Redis did not answer within {_budget.TotalMilliseconds:0} ms (Cache:Redis:OperationTimeout) for {key}");
    }
}
