using Microsoft.Extensions.Caching.Distributed;

namespace GoMicro.Modules.Blog.Caching.Redis;

/// <summary>
/// Bounds every asynchronous call to the distributed cache (Redis) by the cache's budget,
/// <see cref="RedisConnectionOptions.OperationTimeout"/>, and reports a call over budget as a failure
/// (<see cref="TimeoutException"/>), so that FusionCache's circuit breaker opens and the next calls, of this request
/// and of every other, skip Redis at once.
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
/// <param name="inner">The Redis cache.</param>
/// <param name="budget">The longest one call may take.</param>
internal sealed class BudgetedDistributedCache(IDistributedCache inner, TimeSpan budget) : IDistributedCache
{
    public byte[]? Get(string key) => inner.Get(key);

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => WithinBudget(inner.GetAsync(key, token), key, token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        WithinBudget(inner.SetAsync(key, value, options, token), key, token);

    public void Refresh(string key) => inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => WithinBudget(inner.RefreshAsync(key, token), key, token);

    public void Remove(string key) => inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => WithinBudget(inner.RemoveAsync(key, token), key, token);

    private async Task<T> WithinBudget<T>(Task<T> call, string key, CancellationToken token)
    {
        try
        {
            return await call.WaitAsync(budget, token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw OverBudget(call, key);
        }
    }

    private async Task WithinBudget(Task call, string key, CancellationToken token)
    {
        try
        {
            await call.WaitAsync(budget, token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw OverBudget(call, key);
        }
    }

    private TimeoutException OverBudget(Task call, string key)
    {
        _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return new TimeoutException($"Redis did not answer within {budget.TotalMilliseconds:0} ms (Cache:Redis:OperationTimeout) for {key}");
    }
}
