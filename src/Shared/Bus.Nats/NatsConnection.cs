using Microsoft.Extensions.Logging;
using NATS.Client;

namespace GoMicro.Shared.Bus.Nats;

/// <summary>Where the NATS connection stands.</summary>
public enum NatsConnectionState
{
    /// <summary>Never connected yet (the server was down at start-up, or start-up has not run).</summary>
    NotConnected,
    /// <summary>Connected: requests go out.</summary>
    Connected,
    /// <summary>The connection was lost and the client is reconnecting; requests fail fast.</summary>
    Reconnecting,
    /// <summary>Closed for good (shutdown).</summary>
    Closed,
}

/// <summary>A message delivered to a subscription. <see cref="Data"/> belongs to the receiver.</summary>
/// <param name="Subject">The subject it was published on.</param>
/// <param name="ReplyTo">Where to send the answer, or null for a plain publish.</param>
/// <param name="Data">The payload.</param>
internal readonly record struct NatsMessage(string Subject, string? ReplyTo, byte[] Data);

/// <summary>Why NATS could not carry a request.</summary>
internal enum NatsFailure
{
    /// <summary>The server said nobody subscribes to the subject (NATS 2.2+ "no responders"; needs a client that
    /// declares headers, which NATS.Client 0.8.0 does not, so it never occurs with it: such a request times out).</summary>
    NoResponders,
    /// <summary>No reply within the timeout.</summary>
    Timeout,
    /// <summary>Not connected, or the connection broke while waiting.</summary>
    NotConnected,
}

/// <summary>A NATS operation failed; <see cref="Failure"/> says how. The only exception type the adapter throws for
/// transport failures, so nothing outside this file sees a NATS.Client type.</summary>
internal sealed class NatsFailureException(NatsFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>How it failed.</summary>
    public NatsFailure Failure { get; } = failure;
}

/// <summary>
/// The adapter around the NATS client library: the ONLY file that uses NATS.Client (0.8.0, the one NATS client this
/// build environment can restore). Replacing it with NATS.Net means rewriting this class behind the same members;
/// nothing else changes. It connects with reconnect-forever settings, fails fast while disconnected instead of
/// buffering, and maps the library's exceptions to <see cref="NatsFailureException"/>.
/// </summary>
/// <remarks>
/// What 0.8.0 lacks and how this class makes up for it: no "no responders" status (no headers support), so a request
/// nobody serves ends as a timeout; <c>MaxReconnect = -1</c> closes the connection instead of retrying forever, so
/// <see cref="int.MaxValue"/> is used; a server that dies is only noticed by pings, so the ping interval is short and
/// requests in flight are failed as soon as the disconnection is noticed; there is no drain, so the hosted service
/// unsubscribes, flushes, and waits for its own handlers.
/// </remarks>
internal sealed class NatsConnection(NatsOptions options, string clientName, ILogger<NatsConnection> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private IConnection? _connection;
    private CancellationTokenSource _connectionLost = new();

    /// <summary>Where the connection stands.</summary>
    public NatsConnectionState State => _connection?.State switch
    {
        null => NatsConnectionState.NotConnected,
        ConnState.CONNECTED => NatsConnectionState.Connected,
        ConnState.CLOSED => NatsConnectionState.Closed,
        _ => NatsConnectionState.Reconnecting,
    };

    /// <summary>True while requests can go out.</summary>
    public bool IsConnected => State == NatsConnectionState.Connected;

    /// <summary>The server URL in use, or the configured URL when not connected (for messages).</summary>
    public string Url => _connection?.ConnectedUrl ?? options.Url;

    /// <summary>The largest payload the server accepts, in bytes (1 MB by default); 0 before connecting.</summary>
    public long MaxPayload => _connection?.MaxPayload ?? 0;

    /// <summary>Raised (on a library thread) when the connection is lost, restored or closed.</summary>
    public event Action<NatsConnectionState>? StateChanged;

    /// <summary>Makes one connection attempt. Once connected, the library reconnects by itself, forever, keeping subscriptions.</summary>
    /// <exception cref="NatsFailureException">The server cannot be reached (<see cref="NatsFailure.NotConnected"/>).</exception>
    public void Connect()
    {
        var natsOptions = ConnectionFactory.GetDefaultOptions();
        var servers = options.Url.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (servers.Length == 1) natsOptions.Url = servers[0];
        else natsOptions.Servers = servers;
        natsOptions.Name = clientName;
        natsOptions.AllowReconnect = true;
        natsOptions.MaxReconnect = int.MaxValue; // "forever": 0.8.0 reads -1 as "no attempt" and closes
        natsOptions.ReconnectWait = Milliseconds(options.ReconnectWait);
        natsOptions.PingInterval = Milliseconds(options.PingInterval);
        natsOptions.MaxPingsOut = options.MaxPingsOut;
        natsOptions.Timeout = Milliseconds(options.ConnectTimeout);
        natsOptions.DisconnectedEventHandler += (_, _) => OnConnectionLost();
        natsOptions.ReconnectedEventHandler += (_, args) => OnReconnected(args.Conn.ConnectedUrl);
        natsOptions.ClosedEventHandler += (_, _) => StateChanged?.Invoke(NatsConnectionState.Closed);
        natsOptions.AsyncErrorEventHandler += (_, args) =>
            logger.LogWarning("NATS asynchronous error on {Subject}: {Error}", args.Subscription?.Subject, args.Error);

        IConnection connection;
        try
        {
            connection = new ConnectionFactory().CreateConnection(natsOptions);
        }
        catch (NATSException ex)
        {
            throw new NatsFailureException(NatsFailure.NotConnected, $"cannot connect to NATS at {options.Url}: {ex.Message}", ex);
        }
        lock (_gate)
        {
            _connection?.Dispose();
            _connection = connection;
            _connectionLost = new CancellationTokenSource();
        }
        StateChanged?.Invoke(NatsConnectionState.Connected);
    }

    /// <summary>Sends a request and waits for the first reply.</summary>
    /// <returns>The reply payload.</returns>
    /// <exception cref="NatsFailureException">Not connected, connection lost while waiting, or no reply in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ArgumentException">The payload exceeds the server's maximum.</exception>
    public async Task<byte[]> RequestAsync(string subject, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (connection, lost) = Connected();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost);
        try
        {
            var reply = await connection.RequestAsync(subject, payload, Milliseconds(timeout), linked.Token).ConfigureAwait(false);
            return reply.Data ?? [];
        }
        catch (NATSTimeoutException ex)
        {
            throw new NatsFailureException(NatsFailure.Timeout, $"no reply within {timeout.TotalMilliseconds:0} ms", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && lost.IsCancellationRequested)
        {
            throw new NatsFailureException(NatsFailure.NotConnected, $"connection to NATS at {Url} lost while waiting for the reply", ex);
        }
        catch (NATSMaxPayloadException ex)
        {
            throw new ArgumentException($"message of {payload.Length} bytes exceeds the NATS maximum of {MaxPayload} bytes", nameof(payload), ex);
        }
        catch (NATSException ex)
        {
            // 0.8.0 reports a dead socket as "Flush error" until its pings notice; either way the server is not reachable.
            throw new NatsFailureException(NatsFailure.NotConnected, $"not connected to NATS at {Url}: {ex.Message}", ex);
        }
    }

    /// <summary>Publishes a message (an event), optionally naming where answers go (to collect several, as discovery does).</summary>
    /// <exception cref="NatsFailureException">Not connected.</exception>
    /// <exception cref="ArgumentException">The payload exceeds the server's maximum.</exception>
    public void Publish(string subject, byte[] payload, string? replyTo = null)
    {
        var (connection, _) = Connected();
        try
        {
            if (replyTo is null) connection.Publish(subject, payload);
            else connection.Publish(subject, replyTo, payload);
        }
        catch (NATSMaxPayloadException ex)
        {
            throw new ArgumentException($"message of {payload.Length} bytes exceeds the NATS maximum of {MaxPayload} bytes", nameof(payload), ex);
        }
        catch (NATSException ex)
        {
            throw new NatsFailureException(NatsFailure.NotConnected, $"not connected to NATS at {Url}: {ex.Message}", ex);
        }
    }

    /// <summary>Sends a reply. Never throws: a reply that cannot be sent is logged and the requester times out.</summary>
    /// <returns>True when the reply was handed to the connection.</returns>
    public bool Respond(string replyTo, byte[] payload)
    {
        var connection = _connection;
        if (connection is null) return false;
        try
        {
            connection.Publish(replyTo, payload);
            return true;
        }
        catch (NATSException ex)
        {
            logger.LogWarning("Could not send a NATS reply ({Bytes} bytes): {Reason}", payload.Length, ex.Message);
            return false;
        }
    }

    /// <summary>Subscribes <paramref name="handler"/>, in <paramref name="queueGroup"/> when given (one member of the group gets each message).</summary>
    /// <param name="subject">The subject; NATS wildcards allowed.</param>
    /// <param name="queueGroup">The queue group, or null for a plain subscription that gets every message.</param>
    /// <param name="handler">Called on a library delivery thread, one message at a time per subscription: return quickly.</param>
    /// <returns>Disposing it unsubscribes.</returns>
    /// <exception cref="NatsFailureException">Never connected.</exception>
    public IDisposable Subscribe(string subject, string? queueGroup, Action<NatsMessage> handler)
    {
        var connection = _connection ?? throw new NatsFailureException(NatsFailure.NotConnected, $"not connected to NATS at {options.Url}");
        EventHandler<MsgHandlerEventArgs> deliver = (_, args) =>
        {
            var message = args.Message;
            handler(new NatsMessage(message.Subject, string.IsNullOrEmpty(message.Reply) ? null : message.Reply, message.Data ?? []));
        };
        try
        {
            var subscription = queueGroup is null
                ? connection.SubscribeAsync(subject, deliver)
                : connection.SubscribeAsync(subject, queueGroup, deliver);
            return new Subscription(subscription);
        }
        catch (NATSException ex)
        {
            throw new NatsFailureException(NatsFailure.NotConnected, $"cannot subscribe to {subject}: {ex.Message}", ex);
        }
    }

    /// <summary>Waits until the server has processed everything sent so far (a PING/PONG round trip).</summary>
    /// <exception cref="NatsFailureException">Not connected, or no answer within <paramref name="timeout"/>.</exception>
    public void Flush(TimeSpan timeout)
    {
        var (connection, _) = Connected();
        try
        {
            connection.Flush(Milliseconds(timeout));
        }
        catch (NATSException ex)
        {
            throw new NatsFailureException(NatsFailure.NotConnected, $"flush to NATS at {Url} failed: {ex.Message}", ex);
        }
    }

    /// <summary>Closes the connection for good.</summary>
    public void Close()
    {
        IConnection? connection;
        lock (_gate) connection = _connection;
        if (connection is null || connection.IsClosed()) return;
        connection.Close();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Close();
        _connection?.Dispose();
        _connectionLost.Dispose();
    }

    private (IConnection Connection, CancellationToken Lost) Connected()
    {
        lock (_gate)
        {
            if (_connection is { State: ConnState.CONNECTED } connection) return (connection, _connectionLost.Token);
            var state = _connection is null ? "never connected" : _connection.State.ToString().ToLowerInvariant();
            throw new NatsFailureException(NatsFailure.NotConnected, $"not connected to NATS at {options.Url} ({state})");
        }
    }

    private void OnConnectionLost()
    {
        CancellationTokenSource lost;
        lock (_gate) lost = _connectionLost;
        // Requests waiting for a reply fail now rather than at their timeout.
        lost.Cancel();
        if (_connection?.State != ConnState.CLOSED)
        {
            logger.LogWarning("Lost the connection to NATS at {Url}; reconnecting every {Wait} ms", options.Url, Milliseconds(options.ReconnectWait));
            StateChanged?.Invoke(NatsConnectionState.Reconnecting);
        }
    }

    private void OnReconnected(string? url)
    {
        // A fresh token for requests from now on; the cancelled one is left to the GC, as requests may still hold it.
        lock (_gate) _connectionLost = new CancellationTokenSource();
        logger.LogInformation("Reconnected to NATS at {Url}", url);
        StateChanged?.Invoke(NatsConnectionState.Connected);
    }

    private static int Milliseconds(TimeSpan value) => (int)Math.Clamp(value.TotalMilliseconds, 1, int.MaxValue);

    private sealed class Subscription(IAsyncSubscription subscription) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                subscription.Unsubscribe();
            }
            catch (NATSException)
            {
                // Already gone with the connection.
            }
        }
    }
}
