using System.Collections.Concurrent;
using GoMicro.Shared.Bus;

namespace GoMicro.Shared.AuthClient.Authentication;

/// <summary>
/// A process-local cache whose entries are evicted by bus events, and trusted only while those events can arrive: an
/// entry is served only if the bus is receiving now and has not had a gap since the entry was stored (same
/// <see cref="IBusSubscriptionState.Epoch"/>), and only until its own lifetime ends. Keys are digests chosen by the caller
/// (never a token or key in clear).
/// </summary>
/// <remarks>
/// The read-then-store race (a fetch that began before a change and ends after its event arrived) is closed by a counter
/// of evictions: <see cref="TryStore"/> refuses when any eviction happened since <see cref="BeginFetch"/>, so an answer
/// that may predate an event is used once and never cached.
/// </remarks>
/// <typeparam name="T">The cached answer.</typeparam>
/// <param name="state">Whether events arrive now, and the epoch of the current subscription.</param>
/// <param name="time">The clock of the entries' lifetimes.</param>
/// <param name="maxEntries">The most entries held; when full, expired ones are swept and new answers are not cached.</param>
/// <param name="name">The cache's <c>cache.name</c> in <see cref="CacheMetrics"/>.</param>
public sealed class EventEvictedCache<T>(IBusSubscriptionState state, TimeProvider time, int maxEntries, string name)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _evictions;

    /// <summary>One cached answer and what events may evict it.</summary>
    /// <param name="Value">The answer.</param>
    /// <param name="UserId">The user it is about, when any.</param>
    /// <param name="SessionId">The session it is about, when any.</param>
    /// <param name="Epoch">The subscription epoch it was fetched in.</param>
    /// <param name="ExpiresAt">When it stops being served (UTC).</param>
    public sealed record Entry(T Value, Guid? UserId, string? SessionId, long Epoch, DateTimeOffset ExpiresAt);

    /// <summary>Where a fetch started: stored answers are cached only if nothing was evicted and no gap happened since.</summary>
    /// <param name="Evictions">The eviction counter then.</param>
    /// <param name="Epoch">The subscription epoch then.</param>
    /// <param name="Receiving">Whether events arrived then.</param>
    public readonly record struct Fetch(long Evictions, long Epoch, bool Receiving);

    /// <summary>The entries held now, expired or untrusted ones included (for tests and diagnostics).</summary>
    public int Count => _entries.Count;

    /// <summary>The cached value when it may be trusted now.</summary>
    /// <param name="key">The caller's digest key.</param>
    /// <param name="value">The value, when true is returned.</param>
    public bool TryGet(string key, out T value)
    {
        var hit = TryGetTrusted(key, out value);
        CacheMetrics.Record(name, hit);
        return hit;
    }

    private bool TryGetTrusted(string key, out T value)
    {
        value = default!;
        if (!_entries.TryGetValue(key, out var entry)) return false;
        if (!state.IsReceiving || entry.Epoch != state.Epoch || entry.ExpiresAt <= time.GetUtcNow())
        {
            _entries.TryRemove(KeyValuePair.Create(key, entry));
            return false;
        }
        value = entry.Value;
        return true;
    }

    /// <summary>Call before asking the source, and pass the result to <see cref="TryStore"/>.</summary>
    public Fetch BeginFetch() => new(Volatile.Read(ref _evictions), state.Epoch, state.IsReceiving);

    /// <summary>Caches <paramref name="value"/> for <paramref name="lifetime"/> unless it may be stale already (an eviction
    /// or a bus gap since <paramref name="fetch"/>) or the cache is full.</summary>
    /// <param name="key">The caller's digest key.</param>
    /// <param name="value">The answer.</param>
    /// <param name="lifetime">How long it may be served at most.</param>
    /// <param name="userId">The user events may evict it by.</param>
    /// <param name="sessionId">The session events may evict it by.</param>
    /// <param name="fetch">What <see cref="BeginFetch"/> returned before the answer was asked for.</param>
    /// <returns>True when cached.</returns>
    public bool TryStore(string key, T value, TimeSpan lifetime, Guid? userId, string? sessionId, Fetch fetch)
    {
        if (lifetime <= TimeSpan.Zero || !fetch.Receiving || !state.IsReceiving || state.Epoch != fetch.Epoch) return false;
        if (_entries.Count >= maxEntries && !SweepExpired()) return false;
        var entry = new Entry(value, userId, sessionId, fetch.Epoch, time.GetUtcNow() + lifetime);
        _entries[key] = entry;
        // An eviction that ran between the check above and the store might have missed this entry: undo it.
        if (Volatile.Read(ref _evictions) != fetch.Evictions)
        {
            _entries.TryRemove(KeyValuePair.Create(key, entry));
            return false;
        }
        return true;
    }

    /// <summary>Removes every entry that <paramref name="match"/> selects, and makes fetches in flight not cache.</summary>
    /// <param name="match">Selects the entries to remove.</param>
    public void Evict(Func<Entry, bool> match)
    {
        Interlocked.Increment(ref _evictions);
        foreach (var (key, entry) in _entries)
            if (match(entry)) _entries.TryRemove(KeyValuePair.Create(key, entry));
    }

    /// <summary>Removes one key, and makes fetches in flight not cache.</summary>
    /// <param name="key">The caller's digest key.</param>
    public void Evict(string key)
    {
        Interlocked.Increment(ref _evictions);
        _entries.TryRemove(key, out _);
    }

    private bool SweepExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _entries)
            if (entry.ExpiresAt <= now || entry.Epoch != state.Epoch) _entries.TryRemove(KeyValuePair.Create(key, entry));
        return _entries.Count < maxEntries;
    }
}
