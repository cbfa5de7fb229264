using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Bus;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>
/// The trust rules of <see cref="EventEvictedCache{T}"/>, which the authentication and API-key caches rely on, driven
/// step by step (a hand-moved clock, a hand-set subscription state) so each race is reproduced in order, not by timing:
/// an answer fetched across an eviction is never cached, nothing cached before a gap in the events is served after it,
/// nothing is served while events cannot arrive, and no entry outlives its lifetime.
/// </summary>
public sealed class EventEvictedCacheTests
{
    private readonly ManualState _state = new();
    private readonly ManualClock _clock = new();

    private EventEvictedCache<string> NewCache(int maxEntries = 100) => new(_state, _clock, maxEntries, "test");

    [Fact]
    public void A_stored_answer_is_served_until_its_lifetime_ends()
    {
        var cache = NewCache();
        Assert.True(cache.TryStore("k", "alice", TimeSpan.FromSeconds(30), Guid.NewGuid(), "s1", cache.BeginFetch()));

        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.True(cache.TryGet("k", out var value));
        Assert.Equal("alice", value);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGet("k", out _));
    }

    [Fact]
    public void An_answer_fetched_while_an_event_evicted_is_used_once_and_never_cached()
    {
        var cache = NewCache();
        // The reader asks the Auth module; before its answer (read before the change committed) comes back, the change's
        // event arrives and evicts. The event is about another entry: any eviction during the fetch voids it.
        var fetch = cache.BeginFetch();
        cache.Evict(e => e.SessionId == "s1");

        Assert.False(cache.TryStore("k", "stale", TimeSpan.FromSeconds(30), Guid.NewGuid(), "s2", fetch));
        Assert.False(cache.TryGet("k", out _));
        // A fetch that starts after the eviction caches again.
        Assert.True(cache.TryStore("k", "fresh", TimeSpan.FromSeconds(30), Guid.NewGuid(), "s2", cache.BeginFetch()));
    }

    [Fact]
    public void Evicting_by_session_or_user_removes_exactly_the_matching_entries()
    {
        var cache = NewCache();
        var alice = Guid.NewGuid();
        var bob = Guid.NewGuid();
        cache.TryStore("a1", "alice", TimeSpan.FromSeconds(30), alice, "s1", cache.BeginFetch());
        cache.TryStore("a2", "alice", TimeSpan.FromSeconds(30), alice, "s2", cache.BeginFetch());
        cache.TryStore("b1", "bob", TimeSpan.FromSeconds(30), bob, "s3", cache.BeginFetch());

        cache.Evict(e => e.SessionId == "s1");
        Assert.False(cache.TryGet("a1", out _));
        Assert.True(cache.TryGet("a2", out _));

        cache.Evict(e => e.UserId == alice);
        Assert.False(cache.TryGet("a2", out _));
        Assert.True(cache.TryGet("b1", out _));
    }

    [Fact]
    public void Nothing_is_served_or_stored_while_events_cannot_arrive()
    {
        var cache = NewCache();
        cache.TryStore("k", "alice", TimeSpan.FromSeconds(30), null, null, cache.BeginFetch());

        _state.Receiving = false;
        Assert.False(cache.TryGet("k", out _));
        Assert.False(cache.TryStore("k", "alice", TimeSpan.FromSeconds(30), null, null, cache.BeginFetch()));
    }

    [Fact]
    public void Entries_stored_before_a_gap_in_the_events_are_never_served_after_it()
    {
        var cache = NewCache();
        cache.TryStore("before", "alice", TimeSpan.FromSeconds(30), null, null, cache.BeginFetch());
        var acrossTheGap = cache.BeginFetch();

        // Disconnected, then re-subscribed: events published meanwhile were lost to this process.
        _state.Receiving = false;
        _state.Receiving = true;
        _state.Epoch++;

        Assert.False(cache.TryGet("before", out _));
        Assert.False(cache.TryStore("across", "alice", TimeSpan.FromSeconds(30), null, null, acrossTheGap));
        Assert.True(cache.TryStore("after", "alice", TimeSpan.FromSeconds(30), null, null, cache.BeginFetch()));
        Assert.True(cache.TryGet("after", out _));
    }

    [Fact]
    public void A_full_cache_makes_room_from_expired_entries_only()
    {
        var cache = NewCache(maxEntries: 2);
        cache.TryStore("short", "a", TimeSpan.FromSeconds(1), null, null, cache.BeginFetch());
        cache.TryStore("long", "b", TimeSpan.FromSeconds(30), null, null, cache.BeginFetch());

        Assert.False(cache.TryStore("third", "c", TimeSpan.FromSeconds(30), null, null, cache.BeginFetch()));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(cache.TryStore("third", "c", TimeSpan.FromSeconds(30), null, null, cache.BeginFetch()));
        Assert.True(cache.TryGet("long", out _));
        Assert.Equal(2, cache.Count);
    }

    private sealed class ManualState : IBusSubscriptionState
    {
        public bool Receiving { get; set; } = true;
        public bool IsReceiving => Receiving;
        public long Epoch { get; set; } = 1;
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }
}
