using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Blog.Caching;
using GoMicro.Shared.Bus;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Events;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>
/// Steps for tests that read a cached view, change the database behind the API and then expect the cached copy: they
/// must first wait until nothing their own setup did can still evict a view behind their back. Two things can, both by
/// design (an eviction is always allowed, it only costs a miss):
/// <list type="bullet">
/// <item>the cast's role grants: each announces <c>auth.events.user-changed</c>, and the Blog module evicts every view
/// tagged with that author when the event arrives, which may be after the test cached its views;</item>
/// <item>the Blog outbox: the delivery of a change that lost the race with the request's own invalidation, or of an
/// earlier change after a later one, starts one more generation (<see cref="BlogCache.ApplyDeliveredAsync"/>).</item>
/// </list>
/// Other test classes never interfere (each fixture has its own databases, NATS server and Redis key prefix); these are
/// the fixture's own asynchronous effects, so waiting for them is a condition, not a guessed delay.
/// </summary>
public static class SettledCache
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Creates a <see cref="BlogCast"/> and returns once the author's role-grant event was applied by the blog hosts of
    /// <paramref name="topology"/>: by every host whose bus is NATS (each receives every event), or by one of the
    /// in-process hosts (an instance's in-process bus carries only the events its own outbox sends).
    /// </summary>
    /// <exception cref="Xunit.Sdk.XunitException">The event was not applied within 20 s.</exception>
    public static async Task<BlogCast> CreateCastAsync(Topology topology)
    {
        var hosts = topology.BlogHosts.Select(host => new TagRemovals(host)).ToArray();
        try
        {
            var cast = await BlogCast.CreateAsync(topology);
            var tag = BlogCache.AuthorTag(cast.Author.Id);
            await Eventually.HoldsAsync(() => Task.FromResult(
                    hosts.Any(h => h.Saw(tag)) && hosts.All(h => h.Saw(tag) || h.InProcessBus)),
                GiveUp, "the blog hosts applied the author's role-grant event");
            return cast;
        }
        finally
        {
            foreach (var host in hosts) host.Dispose();
        }
    }

    /// <summary>Waits until the Blog outbox delivered every change so far, so no late delivery starts a new generation.</summary>
    /// <exception cref="Xunit.Sdk.XunitException">Rows were still there after 20 s.</exception>
    public static Task BlogOutboxDeliveredAsync(this Topology topology) => Eventually.HoldsAsync(
        async () => await topology.BlogDatabase.ScalarAsync<long>("SELECT count(*) FROM outbox_messages") == 0, GiveUp,
        "the Blog outbox delivered the changes so far");

    /// <summary>The tags one host's cache removed while this is subscribed (FusionCache raises the event after the removal
    /// is stored).</summary>
    private sealed class TagRemovals : IDisposable
    {
        private readonly IFusionCache _cache;
        private readonly HashSet<string> _tags = [];

        public TagRemovals(GoMicroHostFactory host)
        {
            _cache = host.Services.GetRequiredService<IFusionCache>();
            InProcessBus = host.Services.GetRequiredService<IBusTransport>() is InProcessBusTransport;
            _cache.Events.RemoveByTag += OnRemoveByTag;
        }

        /// <summary>True when the host's bus is in-process (a monolith instance).</summary>
        public bool InProcessBus { get; }

        public bool Saw(string tag)
        {
            lock (_tags) return _tags.Contains(tag);
        }

        private void OnRemoveByTag(object? sender, FusionCacheTagEventArgs e)
        {
            lock (_tags) _tags.Add(e.Tag);
        }

        public void Dispose() => _cache.Events.RemoveByTag -= OnRemoveByTag;
    }
}
