using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.StackExchangeRedis;
using StackExchange.Redis;

namespace GoMicro.Modules.Blog.Caching.Redis;

/// <summary>
/// The process's one StackExchange.Redis multiplexer, shared by the L2 cache, the backplane and the health check, so a
/// process holds one pair of sockets to Redis whatever uses it.
/// </summary>
/// <remarks>
/// Made for an optional server: <c>abortConnect=false</c> lets the process start, and keep reconnecting in the background,
/// while Redis is down; <see cref="BacklogPolicy.FailFast"/> makes calls fail at once while disconnected instead of queueing
/// until they time out; and every call is bounded by <see cref="RedisConnectionOptions.OperationTimeout"/>.
/// </remarks>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _multiplexer;

    /// <summary>Parses the configuration; connecting starts at the first use.</summary>
    /// <param name="connectionString">A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c>.</param>
    /// <param name="options">The operation timeout.</param>
    /// <param name="logger">Where lost and restored connections are reported.</param>
    /// <param name="services">Where the Redis tracing is looked up (registered only when telemetry is exported).</param>
    /// <exception cref="ArgumentException">The connection string is not a valid configuration.</exception>
    public RedisConnection(string connectionString, IOptions<RedisConnectionOptions> options, ILogger<RedisConnection> logger, IServiceProvider services)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var timeout = (int)Math.Ceiling(options.Value.OperationTimeout.TotalMilliseconds);
        configuration.SyncTimeout = timeout;
        configuration.AsyncTimeout = timeout;
        _multiplexer = new Lazy<Task<IConnectionMultiplexer>>(() => ConnectAsync(configuration, logger, services));
    }

    /// <summary>The multiplexer (connected, or reconnecting in the background).</summary>
    public Task<IConnectionMultiplexer> GetAsync() => _multiplexer.Value;

    private static async Task<IConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration, ILogger logger, IServiceProvider services)
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        // Without an OTLP endpoint nothing registers the instrumentation, and the multiplexer runs without a profiler.
        services.GetService<StackExchangeRedisInstrumentation>()?.AddConnection(multiplexer);
        multiplexer.ConnectionFailed += (_, e) =>
            logger.LogWarning(e.Exception, "Redis connection to {Endpoint} lost ({FailureType}); reconnecting in the background", e.EndPoint, e.FailureType);
        multiplexer.ConnectionRestored += (_, e) => logger.LogInformation("Redis connection to {Endpoint} restored", e.EndPoint);
        if (!multiplexer.IsConnected)
            logger.LogWarning("Redis cannot be reached at {Endpoints} (ConnectionStrings:Redis); the cache runs on this process's memory and reconnects in the background",
                string.Join(", ", configuration.EndPoints.Select(EndPointCollection.ToString)));
        return multiplexer;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_multiplexer.IsValueCreated || !_multiplexer.Value.IsCompletedSuccessfully) return;
        await _multiplexer.Value.Result.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
        _multiplexer.Value.Result.Dispose();
    }
}
