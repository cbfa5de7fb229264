using System.Diagnostics;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Blog.Caching;
using GoMicro.Modules.Blog.Model;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>
/// The stale set of a generation (<see cref="GenerationEvictions"/>): an instance reads the lists' generation from Redis,
/// and before it stores it in memory the generation is renewed, by this instance or by another one whose backplane
/// message arrives while the read is still under way. Two blog caches (two FusionCache instances on the shared test
/// Redis, under a key prefix and backplane channel of their own), and a gate inside the second one's Redis reads that
/// holds the read between its fetch and its store: the race made deterministic instead of left to timing. Before the
/// guard, the instance kept the old generation in memory, and so the old page, for up to
/// <see cref="BlogCacheOptions.GenerationMemoryDuration"/> (30 s).
/// </summary>
public sealed class OvertakenGenerationReadTests : IDisposable
{
    private const int Limit = 7;
    private readonly string _prefix = $"test-{Guid.NewGuid():N}:";
    private readonly List<IDisposable> _owned = [];

    [Fact]
    public async Task A_read_overtaken_by_this_instances_renewal_does_not_keep_the_old_generation()
    {
        var (cache, gate, _) = Instance();
        var pages = new Pages();
        await cache.GetLatestFirstPageAsync(Limit, pages.Load, CancellationToken.None);
        await cache.ForgetListsHereAsync(CancellationToken.None);   // the next read of the generation goes to Redis

        var held = gate.Arm("blog:gen:lists");
        var overtaken = cache.GetLatestFirstPageAsync(Limit, pages.Load, CancellationToken.None);
        await held.Fetched.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cache.ForgetListsAsync(CancellationToken.None);   // renews the generation: memory, Redis, backplane
        held.Release.TrySetResult();
        await overtaken;

        // The first load filled the old generation's page; the renewed generation's page is the second load.
        Assert.Equal("load 2", Title(await cache.GetLatestFirstPageAsync(Limit, pages.Load, CancellationToken.None)));
    }

    [Fact]
    public async Task A_read_overtaken_by_another_instances_renewal_and_its_backplane_message_does_not_keep_the_old_generation()
    {
        var (writer, _, writerFusion) = Instance();
        var (reader, gate, fusion) = Instance();
        await BackplaneConnectedAsync(writerFusion, fusion);
        var pages = new Pages();
        await reader.GetLatestFirstPageAsync(Limit, pages.Load, CancellationToken.None);
        await reader.ForgetListsHereAsync(CancellationToken.None);

        var held = gate.Arm("blog:gen:lists");
        var overtaken = reader.GetLatestFirstPageAsync(Limit, pages.Load, CancellationToken.None);
        await held.Fetched.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var applied = new BackplaneMessageApplied(fusion, "blog:gen:lists");
        await writer.ForgetListsAsync(CancellationToken.None);
        // The reader's FusionCache has applied the message (found nothing in memory to evict) and its event handlers,
        // the blog cache's first, have run: only now does the read store what it fetched.
        await applied.Task.WaitAsync(TimeSpan.FromSeconds(10));
        held.Release.TrySetResult();
        await overtaken;

        Assert.Equal("load 2", Title(await reader.GetLatestFirstPageAsync(Limit, pages.Load, CancellationToken.None)));
    }

    /// <summary>A blog cache on its own FusionCache (memory, the test Redis through a gate, the Redis backplane), set up as
    /// the product's (AddCoherentCache): a write waits for Redis before the backplane message goes out.</summary>
    private (BlogCache Cache, RedisReadGate Gate, FusionCache Fusion) Instance()
    {
        var redis = new RedisCache(Options.Create(new RedisCacheOptions { Configuration = TestEnvironment.Redis, InstanceName = _prefix }));
        var gate = new RedisReadGate(redis);
        var fusion = new FusionCache(new FusionCacheOptions
        {
            BackplaneChannelPrefix = _prefix + "backplane",
            DefaultEntryOptions = new FusionCacheEntryOptions { AllowBackgroundDistributedCacheOperations = false },
        });
        fusion.SetupDistributedCache(gate, new FusionCacheSystemTextJsonSerializer(new JsonSerializerOptions(JsonSerializerDefaults.Web) { IncludeFields = true }));
        var backplane = new RedisBackplane(Options.Create(new RedisBackplaneOptions { Configuration = TestEnvironment.Redis }), NullLogger<RedisBackplane>.Instance);
        fusion.SetupBackplane(backplane);
        _owned.Add(fusion);
        _owned.Add(redis);
        var cache = new BlogCache(fusion, Options.Create(new BlogCacheOptions()), Options.Create(new JsonOptions()), []);
        return (cache, gate, fusion);
    }

    /// <summary>Returns once a message published by <paramref name="from"/> reaches <paramref name="to"/>: each backplane
    /// subscribes to Redis in the background after it is set up, and a message published before that is lost.</summary>
    private static async Task BackplaneConnectedAsync(FusionCache from, FusionCache to)
    {
        var since = Stopwatch.StartNew();
        while (true)
        {
            using var reached = new BackplaneMessageApplied(to, "connected");
            await from.SetAsync("connected", Guid.NewGuid().ToString("N"));
            try
            {
                await reached.Task.WaitAsync(TimeSpan.FromMilliseconds(200));
                return;
            }
            catch (TimeoutException) when (since.Elapsed < TimeSpan.FromSeconds(10))
            {
                // Not subscribed yet: publish again.
            }
        }
    }

    private static string? Title(RenderedJson? page) =>
        page is null ? null : JsonDocument.Parse(page.Utf8).RootElement[0].GetProperty("title").GetString();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
    }

    /// <summary>The database stand-in: each load answers a page whose one item's title names the load ("load 1", ...).</summary>
    private sealed class Pages
    {
        private int _loads;

        public Task<ItemBlog[]?> Load(CancellationToken cancellationToken)
        {
            var load = Interlocked.Increment(ref _loads);
            return Task.FromResult<ItemBlog[]?>([new ItemBlog(ObjectId.GenerateNewId(), $"load {load}", "", "s", null, 0, [])]);
        }
    }

    /// <summary>Holds one Redis read of a key, after Redis answered and before FusionCache gets the value.</summary>
    private sealed class RedisReadGate(IDistributedCache redis) : IDistributedCache
    {
        private Held? _armed;

        /// <summary>An armed hold: <see cref="Fetched"/> completes once Redis answered, <see cref="Release"/> hands the value on.</summary>
        public sealed record Held(string KeyPart, TaskCompletionSource Fetched, TaskCompletionSource Release);

        /// <summary>Holds the next read of a key containing <paramref name="keyPart"/>.</summary>
        public Held Arm(string keyPart)
        {
            var held = new Held(keyPart, new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));
            Volatile.Write(ref _armed, held);
            return held;
        }

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            var value = await redis.GetAsync(key, token);
            var held = Volatile.Read(ref _armed);
            if (held is not null && key.Contains(held.KeyPart, StringComparison.Ordinal) && Interlocked.CompareExchange(ref _armed, null, held) == held)
            {
                held.Fetched.TrySetResult();
                await held.Release.Task;
            }
            return value;
        }

        public byte[]? Get(string key) => redis.Get(key);
        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => redis.Set(key, value, options);
        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => redis.SetAsync(key, value, options, token);
        public void Refresh(string key) => redis.Refresh(key);
        public Task RefreshAsync(string key, CancellationToken token = default) => redis.RefreshAsync(key, token);
        public void Remove(string key) => redis.Remove(key);
        public Task RemoveAsync(string key, CancellationToken token = default) => redis.RemoveAsync(key, token);
    }

    /// <summary>
    /// Completes once a FusionCache instance has applied a backplane message about a key (FusionCache's
    /// own "receive from backplane" activity ended) and its event handlers for it have run (this one is added after the
    /// blog cache's, and FusionCache runs a message's handlers one after the other, in order).
    /// </summary>
    private sealed class BackplaneMessageApplied : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly FusionCache _fusion;
        private readonly string _key;
        private readonly TaskCompletionSource _processed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _handled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public BackplaneMessageApplied(FusionCache fusion, string key)
        {
            (_fusion, _key) = (fusion, key);
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == FusionCacheDiagnostics.ActivitySourceNameBackplane,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = activity =>
                {
                    if (activity.GetTagItem("fusioncache.cache.instance_id") as string == fusion.InstanceId &&
                        activity.GetTagItem("fusioncache.operation.key") as string == key)
                        _processed.TrySetResult();
                },
            };
            ActivitySource.AddActivityListener(_listener);
            fusion.Events.Backplane.MessageReceived += OnMessage;
        }

        public Task Task => Task.WhenAll(_processed.Task, _handled.Task);

        private void OnMessage(object? sender, ZiggyCreatures.Caching.Fusion.Events.FusionCacheBackplaneMessageEventArgs e)
        {
            if (e.Message.CacheKey == _key) _handled.TrySetResult();
        }

        public void Dispose()
        {
            _fusion.Events.Backplane.MessageReceived -= OnMessage;
            _listener.Dispose();
        }
    }
}
