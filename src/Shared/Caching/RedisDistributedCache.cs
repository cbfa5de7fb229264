using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StackExchange.Redis;

namespace GoMicro.Shared.Caching;

/// <summary>
/// <see cref="IDistributedCache"/> over StackExchange.Redis 1.2.6, the only Redis client that restores in this build
/// environment (Microsoft.Extensions.Caching.StackExchangeRedis needs 2.x). It is the one class that touches the client,
/// and it stores entries exactly as Microsoft's <c>RedisCache</c> does (a hash with <c>absexp</c>, <c>sldexp</c> and
/// <c>data</c> fields, key = <see cref="RedisCacheOptions.InstanceName"/> + key), so swapping in that package later
/// keeps every cached entry readable.
/// </summary>
/// <remarks>
/// Built to be an optional accelerator: the connection is made with <c>abortConnect=false</c> (the process starts, and
/// keeps reconnecting, while Redis is down); every call is bounded by <see cref="RedisCacheOptions.OperationTimeout"/>;
/// and a circuit breaker skips Redis for <see cref="RedisCacheOptions.BreakDuration"/> once calls fail, so an outage
/// costs requests nothing. Every failure surfaces as <see cref="CacheUnavailableException"/>; callers treat it as a miss.
/// </remarks>
public sealed class RedisDistributedCache : IDistributedCache, IAsyncDisposable, IDisposable
{
    // The same script and field names as Microsoft.Extensions.Caching.StackExchangeRedis, with millisecond expiry.
    private const string SetScript = """
        redis.call('HSET', KEYS[1], 'absexp', ARGV[1], 'sldexp', ARGV[2], 'data', ARGV[4])
        if ARGV[3] ~= '-1' then
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
        end
        return 1
        """;
    private const string AbsoluteExpirationField = "absexp";
    private const string SlidingExpirationField = "sldexp";
    private const string DataField = "data";
    private const long NotPresent = -1;
    private static readonly RedisValue[] AllFields = [AbsoluteExpirationField, SlidingExpirationField, DataField];
    private static readonly RedisValue[] ExpirationFields = [AbsoluteExpirationField, SlidingExpirationField];

    private readonly string _instanceName;
    private readonly ConfigurationOptions _configuration;
    private readonly Lock _connectLock = new();
    private Task<ConnectionMultiplexer> _connection;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger<RedisDistributedCache> _logger;
    private readonly TimeProvider _time;
    private int _disposed;

    /// <summary>Parses the configuration and starts connecting in the background; the first calls wait at most the operation timeout.</summary>
    /// <param name="connectionString">A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c>.</param>
    /// <param name="options">Key prefix, timeout and break duration.</param>
    /// <param name="logger">Where outages and recoveries are reported.</param>
    /// <param name="time">Clock for expirations; <see cref="TimeProvider.System"/> when not registered.</param>
    /// <exception cref="ArgumentException">The connection string is not a valid configuration.</exception>
    public RedisDistributedCache(string connectionString, IOptions<RedisCacheOptions> options, ILogger<RedisDistributedCache> logger, TimeProvider? time = null)
    {
        var settings = options.Value;
        _instanceName = settings.InstanceName;
        _logger = logger;
        _time = time ?? TimeProvider.System;

        _configuration = ConfigurationOptions.Parse(connectionString);
        _configuration.AbortOnConnectFail = false;   // start, and keep reconnecting, while Redis is down
        _connection = ConnectAsync(_configuration);

        _pipeline = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = settings.BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<TimeoutException>().Handle<TimeoutRejectedException>(),
                OnOpened = args =>
                {
                    _logger.LogWarning(args.Outcome.Exception,
                        "Redis cache is failing; skipping it for {BreakDuration} and serving from the database", args.BreakDuration);
                    return default;
                },
                OnClosed = _ =>
                {
                    _logger.LogInformation("Redis cache answers again; using it");
                    return default;
                },
            })
            .AddTimeout(settings.OperationTimeout)
            .Build();
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        connection.ConnectionFailed += (_, e) =>
            _logger.LogWarning(e.Exception, "Redis connection to {Endpoint} lost ({FailureType}); reconnecting in the background", e.EndPoint, e.FailureType);
        connection.ConnectionRestored += (_, e) => _logger.LogInformation("Redis connection to {Endpoint} restored", e.EndPoint);
        if (!connection.IsConnected) _logger.LogWarning("Redis is not reachable at start-up; reconnecting in the background");
        return connection;
    }

    /// <summary>The multiplexer; with <c>abortConnect=false</c> connecting does not fail for an absent server, but should it
    /// fail for another reason the next call starts over instead of failing forever.</summary>
    private Task<ConnectionMultiplexer> Connection()
    {
        var connection = _connection;
        if (!connection.IsFaulted) return connection;
        lock (_connectLock)
        {
            if (_connection.IsFaulted) _connection = ConnectAsync(_configuration);
            return _connection;
        }
    }

    /// <inheritdoc />
    /// <remarks>The synchronous members block on the asynchronous ones; GoMicro.NET code uses only the asynchronous API.</remarks>
    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    /// <inheritdoc />
    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(async (db, ct) =>
        {
            var values = await db.HashGetAsync(_instanceName + key, AllFields).WaitAsync(ct);
            if (values.Length < 3 || values[2].IsNull) return null;
            await RefreshSlidingAsync(db, key, values[0], values[1], ct);
            return (byte[]?)values[2];
        }, token);
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        var now = _time.GetUtcNow();
        var absolute = AbsoluteExpiration(now, options);
        var relative = RelativeExpiration(now, absolute, options.SlidingExpiration);
        RedisValue[] arguments =
        [
            absolute?.Ticks ?? NotPresent,
            options.SlidingExpiration?.Ticks ?? NotPresent,
            relative is { } r ? (long)Math.Ceiling(r.TotalMilliseconds) : NotPresent,
            value,
        ];
        return RunAsync(async (db, ct) =>
        {
            await db.ScriptEvaluateAsync(SetScript, [(RedisKey)(_instanceName + key)], arguments).WaitAsync(ct);
            return true;
        }, token);
    }

    /// <inheritdoc />
    public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();

    /// <inheritdoc />
    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(async (db, ct) =>
        {
            var values = await db.HashGetAsync(_instanceName + key, ExpirationFields).WaitAsync(ct);
            if (values.Length == 2) await RefreshSlidingAsync(db, key, values[0], values[1], ct);
            return true;
        }, token);
    }

    /// <inheritdoc />
    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(async (db, ct) => await db.KeyDeleteAsync(_instanceName + key).WaitAsync(ct), token);
    }

    /// <summary>Round trip to the server, bypassing the circuit breaker (for health checks).</summary>
    /// <returns>The server's answer time.</returns>
    /// <exception cref="CacheUnavailableException">Redis did not answer within the operation timeout.</exception>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var connection = await Connection().WaitAsync(cancellationToken);
            return await connection.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new CacheUnavailableException($"Redis did not answer a PING after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms", ex);
        }
    }

    /// <summary>Runs one cache call through the breaker and the timeout, translating every client failure.</summary>
    private async Task<T> RunAsync<T>(Func<IDatabase, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            return await _pipeline.ExecuteAsync(async ct =>
            {
                var connection = await Connection().WaitAsync(ct);
                return await operation(connection.GetDatabase(), ct);
            }, cancellationToken);
        }
        catch (BrokenCircuitException ex)
        {
            throw new CacheUnavailableException("Redis is skipped after recent failures", ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new CacheUnavailableException("Redis did not answer in time", ex);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new CacheUnavailableException("Redis call failed: " + ex.Message, ex);
        }
    }

    private async Task RefreshSlidingAsync(IDatabase db, string key, RedisValue absoluteTicks, RedisValue slidingTicks, CancellationToken ct)
    {
        if (!slidingTicks.TryParse(out long sliding) || sliding == NotPresent) return;
        DateTimeOffset? absolute = absoluteTicks.TryParse(out long ticks) && ticks != NotPresent ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        var expiry = RelativeExpiration(_time.GetUtcNow(), absolute, TimeSpan.FromTicks(sliding));
        if (expiry is { } e) await db.KeyExpireAsync(_instanceName + key, e).WaitAsync(ct);
    }

    private static DateTimeOffset? AbsoluteExpiration(DateTimeOffset now, DistributedCacheEntryOptions options)
    {
        if (options.AbsoluteExpiration is { } absolute && absolute <= now)
            throw new ArgumentOutOfRangeException(nameof(options), absolute, "The absolute expiration value must be in the future.");
        return options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : options.AbsoluteExpiration;
    }

    /// <summary>The key's time to live: the sliding window, capped by the absolute expiration; null when neither is set.</summary>
    private static TimeSpan? RelativeExpiration(DateTimeOffset now, DateTimeOffset? absolute, TimeSpan? sliding)
    {
        var untilAbsolute = absolute - now;
        if (sliding is null) return untilAbsolute;
        return untilAbsolute is { } u && u < sliding ? u : sliding;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_connection.IsCompletedSuccessfully) await _connection.Result.CloseAsync(allowCommandsToComplete: false);
        if (_connection.IsCompletedSuccessfully) _connection.Result.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
