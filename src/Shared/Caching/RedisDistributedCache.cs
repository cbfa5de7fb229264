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
    private readonly TimeSpan _operationTimeout;
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
        _operationTimeout = settings.OperationTimeout;
        _logger = logger;
        _time = time ?? TimeProvider.System;

        _configuration = ConfigurationOptions.Parse(connectionString);
        _configuration.AbortOnConnectFail = false;   // start, and keep reconnecting, while Redis is down
        _configuration.SyncTimeout = (int)Math.Ceiling(settings.OperationTimeout.TotalMilliseconds);
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
        var connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
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
    /// <remarks>The synchronous members use the client's synchronous calls (bounded by the same timeout): blocking on the
    /// asynchronous ones is unreliable with StackExchange.Redis 1.2.6, whose completions can wait for the blocked thread.
    /// GoMicro.NET itself uses only the asynchronous API.</remarks>
    public byte[]? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run(db =>
        {
            var values = db.HashGet(_instanceName + key, AllFields);
            if (values.Length < 3 || values[2].IsNull) return null;
            if (SlidingExpiry(values[0], values[1]) is { } expiry) db.KeyExpire(_instanceName + key, expiry);
            return (byte[]?)values[2];
        });
    }

    /// <inheritdoc />
    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(async (db, ct) =>
        {
            var values = await db.HashGetAsync(_instanceName + key, AllFields).WaitAsync(ct).ConfigureAwait(false);
            if (values.Length < 3 || values[2].IsNull) return null;
            if (SlidingExpiry(values[0], values[1]) is { } expiry) await db.KeyExpireAsync(_instanceName + key, expiry).WaitAsync(ct).ConfigureAwait(false);
            return (byte[]?)values[2];
        }, token);
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        var (redisKey, arguments) = SetCommand(key, value, options);
        Run(db => db.ScriptEvaluate(SetScript, [redisKey], arguments));
    }

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        var (redisKey, arguments) = SetCommand(key, value, options);
        return RunAsync(async (db, ct) => await db.ScriptEvaluateAsync(SetScript, [redisKey], arguments).WaitAsync(ct).ConfigureAwait(false), token);
    }

    /// <summary>The key and script arguments that store <paramref name="value"/> with its expirations.</summary>
    private (RedisKey Key, RedisValue[] Arguments) SetCommand(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        var now = _time.GetUtcNow();
        var absolute = AbsoluteExpiration(now, options);
        var relative = RelativeExpiration(now, absolute, options.SlidingExpiration);
        return (_instanceName + key,
        [
            absolute?.Ticks ?? NotPresent,
            options.SlidingExpiration?.Ticks ?? NotPresent,
            relative is { } r ? (long)Math.Ceiling(r.TotalMilliseconds) : NotPresent,
            value,
        ]);
    }

    /// <inheritdoc />
    public void Refresh(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Run(db =>
        {
            var values = db.HashGet(_instanceName + key, ExpirationFields);
            return values.Length == 2 && SlidingExpiry(values[0], values[1]) is { } expiry && db.KeyExpire(_instanceName + key, expiry);
        });
    }

    /// <inheritdoc />
    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(async (db, ct) =>
        {
            var values = await db.HashGetAsync(_instanceName + key, ExpirationFields).WaitAsync(ct).ConfigureAwait(false);
            return values.Length == 2 && SlidingExpiry(values[0], values[1]) is { } expiry
                   && await db.KeyExpireAsync(_instanceName + key, expiry).WaitAsync(ct).ConfigureAwait(false);
        }, token);
    }

    /// <inheritdoc />
    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Run(db => db.KeyDelete(_instanceName + key));
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(async (db, ct) => await db.KeyDeleteAsync(_instanceName + key).WaitAsync(ct).ConfigureAwait(false), token);
    }

    /// <summary>Round trip to the server, bypassing the circuit breaker (for health checks).</summary>
    /// <returns>The server's answer time.</returns>
    /// <exception cref="CacheUnavailableException">Redis did not answer within the operation timeout.</exception>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var connection = await Connection().WaitAsync(cancellationToken).ConfigureAwait(false);
            return await connection.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new CacheUnavailableException($"Redis did not answer a PING after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms", ex);
        }
    }

    /// <summary>Runs one asynchronous cache call through the breaker and the timeout, translating every client failure.</summary>
    private async Task<T> RunAsync<T>(Func<IDatabase, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ConnectionMultiplexer connection;
        try
        {
            // The first connection is made in the background at start-up; until it is there, calls miss instead of waiting.
            // Not counted by the breaker: a slow first connect is not an outage.
            connection = await Connection().WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or RedisException)
        {
            throw new CacheUnavailableException("Redis connection is not established yet", ex);
        }
        try
        {
            return await _pipeline.ExecuteAsync(ct => new ValueTask<T>(operation(connection.GetDatabase(), ct)), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex) is { } unavailable)
        {
            throw unavailable;
        }
    }

    /// <summary>Runs one synchronous cache call through the breaker (the client's own sync timeout bounds it).</summary>
    private T Run<T>(Func<IDatabase, T> operation)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var connection = Connection();
        try
        {
            if (!connection.Wait(_operationTimeout)) throw new CacheUnavailableException("Redis connection is not established yet");
        }
        catch (AggregateException ex)
        {
            throw new CacheUnavailableException("Redis connection is not established yet", ex.InnerException);
        }
        try
        {
            return _pipeline.Execute(_ => operation(connection.Result.GetDatabase()));
        }
        catch (Exception ex) when (Translate(ex) is { } unavailable)
        {
            throw unavailable;
        }
    }

    private static CacheUnavailableException? Translate(Exception exception) => exception switch
    {
        BrokenCircuitException => new CacheUnavailableException("Redis is skipped after recent failures", exception),
        TimeoutRejectedException or TimeoutException => new CacheUnavailableException("Redis did not answer in time", exception),
        RedisException => new CacheUnavailableException("Redis call failed: " + exception.Message, exception),
        _ => null,
    };

    /// <summary>The time to live a read must give an entry with a sliding expiration (capped by its absolute one), or null.</summary>
    private TimeSpan? SlidingExpiry(RedisValue absoluteTicks, RedisValue slidingTicks)
    {
        if (!slidingTicks.TryParse(out long sliding) || sliding == NotPresent) return null;
        DateTimeOffset? absolute = absoluteTicks.TryParse(out long ticks) && ticks != NotPresent ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        return RelativeExpiration(_time.GetUtcNow(), absolute, TimeSpan.FromTicks(sliding));
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
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_connection.IsCompletedSuccessfully) return;
        await _connection.Result.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
        _connection.Result.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_connection.IsCompletedSuccessfully) return;
        _connection.Result.Close(allowCommandsToComplete: false);
        _connection.Result.Dispose();
    }
}
