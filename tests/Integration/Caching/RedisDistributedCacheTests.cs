using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Caching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace GoMicro.Integration.Tests.Caching;

/// <summary>
/// The Redis substitute behind <see cref="IDistributedCache"/>, against the shared test Redis (each test under a key
/// prefix of its own): the interface's contract, Microsoft's storage layout, expirations, and failing fast when Redis
/// cannot be reached.
/// </summary>
public sealed class RedisDistributedCacheTests : IAsyncLifetime
{
    private readonly string _prefix = $"cache-test-{Guid.NewGuid():N}:";
    private RedisDistributedCache _cache = null!;
    private ConnectionMultiplexer _redis = null!;

    /// <summary>The contract tests get a generous operation timeout: they check behaviour and layout, and a loaded CI
    /// machine must not turn a slow answer into a failure. The unreachable-server test passes its own short one.</summary>
    private static RedisDistributedCache Create(string configuration, string prefix, TimeSpan? operationTimeout = null) =>
        new(configuration, Options.Create(new RedisCacheOptions
        {
            InstanceName = prefix, OperationTimeout = operationTimeout ?? TimeSpan.FromSeconds(5), BreakDuration = TimeSpan.FromSeconds(30),
        }), NullLogger<RedisDistributedCache>.Instance);

    public async Task InitializeAsync()
    {
        _cache = Create(TestEnvironment.Redis, _prefix);
        _redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        await _cache.PingAsync(CancellationToken.None);   // the connection is made in the background; wait for it once
    }

    public async Task DisposeAsync()
    {
        await _cache.DisposeAsync();
        _redis.Dispose();
    }

    private IDatabase Db => _redis.GetDatabase();

    [Fact]
    public async Task A_value_set_is_read_back_and_gone_once_removed()
    {
        await _cache.SetAsync("key", [1, 2, 3], new DistributedCacheEntryOptions());
        Assert.Equal([1, 2, 3], await _cache.GetAsync("key"));
        Assert.Equal([1, 2, 3], _cache.Get("key"));

        await _cache.RemoveAsync("key");

        Assert.Null(await _cache.GetAsync("key"));
        _cache.Set("sync", [4], new DistributedCacheEntryOptions());
        _cache.Refresh("sync");
        Assert.Equal([4], _cache.Get("sync"));
        _cache.Remove("sync");
        Assert.Null(_cache.Get("sync"));
        Assert.Null(await _cache.GetAsync("never-set"));
    }

    [Fact]
    public async Task Entries_are_stored_in_the_layout_of_microsofts_redis_cache()
    {
        var absolute = DateTimeOffset.UtcNow.AddHours(1);
        await _cache.SetAsync("layout", [42], new DistributedCacheEntryOptions { AbsoluteExpiration = absolute, SlidingExpiration = TimeSpan.FromMinutes(5) });

        var fields = (await Db.HashGetAllAsync(_prefix + "layout")).ToDictionary(f => (string)f.Name!, f => f.Value);

        Assert.Equal(["absexp", "data", "sldexp"], fields.Keys.Order());
        Assert.Equal(absolute.Ticks, (long)fields["absexp"]);
        Assert.Equal(TimeSpan.FromMinutes(5).Ticks, (long)fields["sldexp"]);
        Assert.Equal([42], (byte[])fields["data"]!);
    }

    [Fact]
    public async Task An_absolute_expiration_becomes_the_keys_time_to_live()
    {
        await _cache.SetAsync("absolute", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) });

        var ttl = await Db.KeyTimeToLiveAsync(_prefix + "absolute");

        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task A_read_extends_a_sliding_expiration_but_never_past_the_absolute_one()
    {
        await _cache.SetAsync("sliding", [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) });
        await Db.KeyExpireAsync(_prefix + "sliding", TimeSpan.FromSeconds(5));
        Assert.NotNull(await _cache.GetAsync("sliding"));
        Assert.InRange((await Db.KeyTimeToLiveAsync(_prefix + "sliding"))!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));

        await _cache.SetAsync("capped", [1], new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromMinutes(10), AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1),
        });
        await Db.KeyExpireAsync(_prefix + "capped", TimeSpan.FromSeconds(5));
        await _cache.RefreshAsync("capped");
        Assert.InRange((await Db.KeyTimeToLiveAsync(_prefix + "capped"))!.Value, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task An_absolute_expiration_in_the_past_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            _cache.SetAsync("past", [1], new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UtcNow.AddMinutes(-1) }));
    }

    [Fact]
    public async Task An_unreachable_redis_fails_as_cache_unavailable_and_the_breaker_then_skips_it()
    {
        await using var cache = Create("127.0.0.1:1,connectTimeout=500", _prefix, TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAsync<CacheUnavailableException>(() => cache.GetAsync("key"));
        await Assert.ThrowsAsync<CacheUnavailableException>(() => cache.SetAsync("key", [1], new DistributedCacheEntryOptions()));

        // Calls made while the first connection attempt is still running fail as "not established yet", which the
        // breaker deliberately does not count; on a loaded machine that can take a few calls. Every call must fail as
        // cache-unavailable, and soon the breaker must skip Redis without trying it.
        await Eventually.HoldsAsync(async () =>
        {
            var failure = await Assert.ThrowsAsync<CacheUnavailableException>(() => cache.GetAsync("key"));
            return failure.InnerException is BrokenCircuitException;
        }, TimeSpan.FromSeconds(10), "the circuit breaker skips the unreachable Redis");
        await Assert.ThrowsAsync<CacheUnavailableException>(() => cache.PingAsync(CancellationToken.None));
    }

    [Fact]
    public void The_cache_is_redis_when_a_connection_string_is_set_and_in_memory_otherwise()
    {
        static IDistributedCache Resolve(string? redis)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis }).Build();
            var services = new ServiceCollection().AddLogging();
            services.AddDistributedCache(configuration).AddDistributedCache(configuration);   // a second module's call changes nothing
            return services.BuildServiceProvider().GetRequiredService<IDistributedCache>();
        }

        Assert.IsType<MemoryDistributedCache>(Resolve(null));
        Assert.IsType<MemoryDistributedCache>(Resolve(""));
        Assert.IsType<RedisDistributedCache>(Resolve(TestEnvironment.Redis));
    }
}
