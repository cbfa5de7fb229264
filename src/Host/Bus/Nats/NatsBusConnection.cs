using GoMicro.Shared.Bus;
using NATS.Client.Core;

namespace GoMicro.Host.Bus.Nats;

/// <summary>
/// The process's one NATS.Net connection (<see cref="NatsConnection"/>), configured from <c>Bus:Nats</c>, and what the
/// bus needs to know about it: whether requests can go out now, a token that fires when the connection is lost (so
/// requests waiting for a reply fail at once instead of at their timeout), and whether events are being received
/// (<see cref="IBusSubscriptionState"/>). Connecting, reconnecting forever, re-subscribing and dead-server detection by
/// pings are the library's; nothing here blocks.
/// </summary>
internal sealed class NatsBusConnection : IBusSubscriptionState, IAsyncDisposable
{
    private readonly ILogger<NatsBusConnection> _logger;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _firstOpen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _lost = new();
    private Task? _connecting;
    private long _epoch;
    private readonly string _url;
    /// <summary>Set by the first failed attempt of an outage (or of the start), cleared when a connection opens: the
    /// operator gets one line per outage, not one per attempt.</summary>
    private int _unreachableSaid;
    private bool _subscribed;
    /// <summary>Completed (and cleared) by the next <see cref="OnOpenedAsync"/>: what requests waiting for a reconnection wait on.</summary>
    private TaskCompletionSource? _reopened;
    /// <summary>When the connection last opened (<see cref="System.Diagnostics.Stopwatch"/> timestamp; 0 never).</summary>
    private long _openedAt;
    private volatile bool _receiving;

    public NatsBusConnection(NatsOptions options, string clientName, ILoggerFactory loggerFactory)
    {
        _logger = loggerFactory.CreateLogger<NatsBusConnection>();
        Connection = new NatsConnection(new NatsOpts
        {
            Url = options.Url, // a comma-separated list of servers is the library's own format
            Name = clientName,
            ConnectTimeout = options.ConnectTimeout,
            // Constant wait between attempts, forever (the library doubles the wait up to the maximum otherwise).
            ReconnectWaitMin = options.ReconnectWait,
            ReconnectWaitMax = options.ReconnectWait,
            MaxReconnectRetry = -1,
            PingInterval = options.PingInterval,
            MaxPingOut = options.MaxPingsOut,
            // A server that is down at start-up is retried as a lost one is; the process starts anyway.
            RetryOnInitialConnect = true,
            // Closing sends every UNSUB and flushes what is queued before the socket closes (the library's drain).
            DrainSubscriptionsOnDispose = true,
            AuthOpts = new NatsAuthOpts
            {
                Username = NullIfEmpty(options.Username),
                Password = NullIfEmpty(options.Password),
                Token = NullIfEmpty(options.Token),
                CredsFile = NullIfEmpty(options.CredentialsFile),
            },
            LoggerFactory = loggerFactory,
        });
        Connection.ConnectionOpened += OnOpenedAsync;
        Connection.ConnectionDisconnected += OnDisconnectedAsync;
        Connection.ReconnectFailed += OnReconnectFailedAsync;
        Connection.MessageDropped += OnMessageDroppedAsync;
        _url = options.Url;
    }

    /// <summary>The library's connection.</summary>
    public NatsConnection Connection { get; }

    /// <summary>True while requests can go out.</summary>
    public bool IsConnected => Connection.ConnectionState == NatsConnectionState.Open;

    /// <summary>The library's state, lower-case, for messages (<c>closed</c> before the first connection).</summary>
    public string State => Connection.ConnectionState.ToString().ToLowerInvariant();

    /// <summary>Cancelled when the connection in use now is lost; a fresh token after each reconnection.</summary>
    public CancellationToken LostToken
    {
        get
        {
            lock (_gate) return _lost.Token;
        }
    }

    /// <inheritdoc />
    /// <remarks>Also false as soon as the library's connection is no longer open: it changes its state when the socket
    /// closes and raises <see cref="NatsConnection.ConnectionDisconnected"/> afterwards, on another thread, so a request
    /// that already failed for want of a connection could otherwise be followed by a cache that still trusts events.</remarks>
    public bool IsReceiving => _receiving && IsConnected;

    /// <inheritdoc />
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>Starts connecting in the background unless that has begun: returns at once, whether or not the server
    /// can be reached (the library retries forever).</summary>
    public void StartConnecting()
    {
        lock (_gate)
        {
            _connecting ??= Task.Run(async () =>
            {
                _ = SayWhenUnreachableAsync();
                try
                {
                    await Connection.ConnectAsync();
                    _firstOpen.TrySetResult();
                }
                catch (Exception ex) when (ex is NatsException or ObjectDisposedException or OperationCanceledException)
                {
                    // Disposed while still trying (shutdown), or given up for good; the state tells callers.
                    _logger.LogWarning("Stopped connecting to NATS: {Reason}", ex.Message);
                }
            });
        }
    }

    /// <summary>Waits until the connection is open (at once when it is), at most <paramref name="timeout"/>.</summary>
    /// <returns>True when open; false when the time ran out.</returns>
    public async Task<bool> WaitUntilConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (IsConnected) return true;
        if (timeout <= TimeSpan.Zero) return false;
        Task opened;
        lock (_gate)
        {
            if (IsConnected) return true;
            opened = (_reopened ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        try
        {
            await opened.WaitAsync(timeout, cancellationToken);
            return IsConnected;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>True when the connection (re)opened less than <paramref name="span"/> ago: the other clients of a server
    /// that came back are still reconnecting and subscribing again.</summary>
    public bool OpenedWithin(TimeSpan span)
    {
        long openedAt;
        lock (_gate) openedAt = _openedAt;
        return openedAt != 0 && System.Diagnostics.Stopwatch.GetElapsedTime(openedAt) < span;
    }

    /// <summary>Completes once the connection has been open for the first time.</summary>
    public Task WaitForFirstConnectionAsync(CancellationToken cancellationToken) => _firstOpen.Task.WaitAsync(cancellationToken);

    /// <summary>Called once this process's event subscriptions are in place: from now on events are received while
    /// connected.</summary>
    public void MarkSubscribed()
    {
        lock (_gate) _subscribed = true;
        // Epoch first, so a consumer that sees IsReceiving also sees the epoch that goes with it.
        Interlocked.Increment(ref _epoch);
        _receiving = IsConnected;
    }

    /// <summary>Called when shutdown removes the event subscriptions.</summary>
    public void MarkUnsubscribed()
    {
        lock (_gate) _subscribed = false;
        _receiving = false;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _receiving = false;
        Connection.ConnectionOpened -= OnOpenedAsync;
        Connection.ConnectionDisconnected -= OnDisconnectedAsync;
        Connection.ReconnectFailed -= OnReconnectFailedAsync;
        Connection.MessageDropped -= OnMessageDroppedAsync;
        await Connection.DisposeAsync();
        lock (_gate) _lost.Cancel();
    }

    private ValueTask OnOpenedAsync(object? sender, NatsEventArgs args)
    {
        bool subscribed;
        lock (_gate)
        {
            // A fresh token for requests from now on; the cancelled one is left to the GC, as requests may still hold it.
            if (_lost.IsCancellationRequested) _lost = new CancellationTokenSource();
            subscribed = _subscribed;
            _reopened?.TrySetResult();
            _reopened = null;
            _openedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        }
        if (subscribed)
        {
            // The library has re-subscribed: events flow again, but those published during the gap are lost to us.
            Interlocked.Increment(ref _epoch);
            _receiving = true;
        }
        _firstOpen.TrySetResult();
        Interlocked.Exchange(ref _unreachableSaid, 0);
        _logger.LogInformation("Connected to NATS at {Url}", args.Message);
        return ValueTask.CompletedTask;
    }

    private ValueTask OnDisconnectedAsync(object? sender, NatsEventArgs args)
    {
        _receiving = false;
        CancellationTokenSource lost;
        lock (_gate) lost = _lost;
        // Requests waiting for a reply fail now rather than at their timeout.
        lost.Cancel();
        _logger.LogWarning("Lost the connection to NATS; reconnecting every {Wait} ms", Connection.Opts.ReconnectWaitMin.TotalMilliseconds);
        return ValueTask.CompletedTask;
    }

    /// <summary>The start's counterpart of <see cref="OnReconnectFailedAsync"/>: the library retries the first connection
    /// without raising that event, so a server that has not answered within one connect timeout is reported here.</summary>
    private async Task SayWhenUnreachableAsync()
    {
        var timeout = Connection.Opts.ConnectTimeout;
        if (await Task.WhenAny(_firstOpen.Task, Task.Delay(timeout)) == _firstOpen.Task) return;
        if (Connection.ConnectionState is NatsConnectionState.Open) return;
        await OnReconnectFailedAsync(this, new NatsEventArgs($"no connection within {timeout.TotalSeconds:0.#} s (Bus:Nats:ConnectTimeout)"));
    }

    private ValueTask OnReconnectFailedAsync(object? sender, NatsEventArgs args)
    {
        // The library logs each failed attempt with its stack trace (its category stays at Critical in appsettings.json);
        // this is the one line that says what is wrong and where to look.
        if (Interlocked.Exchange(ref _unreachableSaid, 1) == 0)
            _logger.LogWarning(
                "NATS cannot be reached at {Url} (Bus:Nats:Url): {Reason}. Retrying every {Wait} ms; until it connects, bus requests answer 503 and /health/ready shows nats Degraded",
                _url, args.Message, Connection.Opts.ReconnectWaitMin.TotalMilliseconds);
        return ValueTask.CompletedTask;
    }

    private ValueTask OnMessageDroppedAsync(object? sender, NatsMessageDroppedEventArgs args)
    {
        // The library dropped a message its subscription channel had no room for (a slow consumer on our side): if it was
        // an event, it is lost to us without any disconnection. Count it as a gap, so what was cached before is dropped.
        // Any subject counts: a dropped request costs its caller a retry, a spurious gap only some cache misses.
        Interlocked.Increment(ref _epoch);
        _logger.LogWarning("NATS dropped a message on {Subject} ({Pending} pending): caches relying on events start over", args.Subject, args.Pending);
        return ValueTask.CompletedTask;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
