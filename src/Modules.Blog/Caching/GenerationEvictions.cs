using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Events;

namespace GoMicro.Modules.Blog.Caching;

/// <summary>
/// Counts the evictions of generation keys this instance has seen, so a read of a generation can tell that one came
/// while it was under way, and then drops what it stored (<see cref="BlogCache"/>).
/// </summary>
/// <remarks>
/// <para>
/// A read that misses this instance's memory fetches the generation from Redis, then stores it in memory. When a change
/// renews that generation while such a read is under way (the writer's Redis write and then its eviction both land
/// between the read's fetch and its store), the eviction finds nothing in memory to evict and the read then stores the
/// old generation, which this instance would serve for up to <see cref="BlogCacheOptions.GenerationMemoryDuration"/>.
/// FusionCache does not guard against it: its backplane compares timestamps only with an entry already in memory. This
/// is the stale set that memcached's leases prevent ("Scaling Memcache at Facebook", NSDI 2013, section 3.2.1), closed
/// here by checking after the store instead of refusing it: every eviction first adds one to its key's count and then
/// drops the key from memory; a read that finds the count moved drops what it stored and reads again, now after the
/// writer's Redis write.
/// </para>
/// <para>
/// Counts are kept per stripe of keys (a key's stripe comes from its hash), a fixed array however many keys there are;
/// two keys in one stripe only cost a read of the other an extra trip to Redis.
/// </para>
/// </remarks>
internal sealed class GenerationEvictions
{
    private readonly IFusionCache _cache;
    private readonly string _keyPrefix;
    private readonly FusionCacheEntryOptions _thisMemoryOnly;
    private readonly long[] _counts = new long[256];

    /// <summary>Counts evictions of the keys starting with <paramref name="keyPrefix"/> in <paramref name="cache"/>,
    /// those its backplane brings from other instances included.</summary>
    /// <param name="cache">The cache holding the generations.</param>
    /// <param name="keyPrefix">What every generation key starts with.</param>
    public GenerationEvictions(IFusionCache cache, string keyPrefix)
    {
        _cache = cache;
        _keyPrefix = keyPrefix;
        _thisMemoryOnly = cache.CreateEntryOptions(entry =>
        {
            entry.SkipDistributedCacheWrite = true;
            entry.SkipBackplaneNotifications = true;
        });
        // FusionCache applies the message itself too; this handler may run before or after it, which the count covers.
        cache.Events.Backplane.MessageReceived += OnBackplaneMessage;
    }

    /// <summary>Where the evictions of <paramref name="key"/> stand now, to compare after a read with <see cref="MovedSince"/>.</summary>
    public Mark Take(string key)
    {
        var stripe = StripeOf(key);
        return new Mark(stripe, Volatile.Read(ref _counts[stripe]));
    }

    /// <summary>True when an eviction in <paramref name="mark"/>'s stripe came since it was taken: what a read stored
    /// since may be older than that eviction.</summary>
    public bool MovedSince(Mark mark) => Volatile.Read(ref _counts[mark.Stripe]) != mark.Count;

    /// <summary>An eviction of <paramref name="key"/> from this instance's memory (its next read goes to Redis).</summary>
    public void Evict(string key)
    {
        Count(key);
        _cache.Remove(key, _thisMemoryOnly);
    }

    /// <summary>Drops from this instance's memory what a read of <paramref name="key"/> stored, after
    /// <see cref="MovedSince"/> said an eviction overtook it; counts nothing, as no generation changed.</summary>
    public void DropRead(string key) => _cache.Remove(key, _thisMemoryOnly);

    /// <summary>
    /// Marks that this instance has just written <paramref name="generation"/> under <paramref name="key"/> (memory, Redis
    /// and the backplane), then puts it in memory again with <paramref name="memoryEntry"/>: a read of this instance that
    /// fetched the old generation from Redis before the write may have stored it over the new one in the meantime.
    /// </summary>
    public void Renewed(string key, string generation, FusionCacheEntryOptions memoryEntry)
    {
        Count(key);
        _cache.Set(key, generation, memoryEntry);
    }

    private void Count(string key) => Interlocked.Increment(ref _counts[StripeOf(key)]);

    private int StripeOf(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_counts.Length);

    private void OnBackplaneMessage(object? sender, FusionCacheBackplaneMessageEventArgs e)
    {
        if (e.Message.CacheKey is { } key && key.StartsWith(_keyPrefix, StringComparison.Ordinal)) Evict(key);
    }

    /// <summary>A key's stripe and its count of evictions when the mark was taken.</summary>
    internal readonly record struct Mark(int Stripe, long Count);
}
