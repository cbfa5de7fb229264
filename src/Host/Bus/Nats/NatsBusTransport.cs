using GoMicro.Shared.Bus;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace GoMicro.Host.Bus.Nats;

/// <summary>
/// <see cref="IBusTransport"/> over NATS.Net request-reply (the library's shared inbox) and publish. A subject this
/// process serves itself is dispatched in-process (through the same <see cref="BusHandlerRegistry"/> endpoints) and never
/// leaves the process; every other request goes to NATS, where the queue group picks one instance. NATS failures become
/// <see cref="BusUnavailableException"/> with the matching reason, which HTTP callers answer with 503: the server's
/// "no responders" status at once as <see cref="BusUnavailableReason.NoResponders"/>; not connected (never yet,
/// reconnecting, closed) at once, and a connection lost while waiting as soon as the library notices, as
/// <see cref="BusUnavailableReason.NotConnected"/>; no reply in time as <see cref="BusUnavailableReason.Timeout"/>.
/// </summary>
internal sealed class NatsBusTransport(
    NatsBusConnection connection, BusHandlerRegistry registry, NatsEventStreams streams, BusTelemetry telemetry, IOptions<BusOptions> options,
    ILoggerFactory loggerFactory) : IBusTransport
{
    private readonly InProcessBusTransport _local = new(registry, telemetry, options, loggerFactory.CreateLogger<InProcessBusTransport>());

    /// <summary><c>messaging.system</c> of NATS in the OpenTelemetry messaging conventions.</summary>
    public const string System = "nats";

    /// <inheritdoc />
    public string MessagingSystem => System;

    /// <inheritdoc />
    public Task<byte[]> RequestAsync(string subject, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken) =>
        registry.Serves(subject)
            ? _local.RequestAsync(subject, payload, timeout, cancellationToken)
            : RequestOverNatsAsync(subject, payload, timeout, cancellationToken);

    /// <inheritdoc />
    /// <remarks>A subject of a stream this process declared goes into JetStream with <paramref name="messageId"/> as
    /// <c>Nats-Msg-Id</c> and returns once the stream stored it (plain subscribers of the subject receive it as well);
    /// any other is a plain NATS publish.</remarks>
    public async Task PublishAsync(string subject, byte[] payload, string? messageId, CancellationToken cancellationToken)
    {
        ThrowIfNotConnected(subject);
        if (registry.StreamOf(subject) is not null)
        {
            await streams.PublishAsync(subject, payload, messageId, NatsTraceHeaders.ForCurrentActivity(), cancellationToken);
            return;
        }
        try
        {
            // Local subscribers get it back from NATS like everyone else: every subscribed instance receives it once.
            await connection.Connection.PublishAsync(subject, payload, NatsTraceHeaders.ForCurrentActivity(), cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is NatsException or ObjectDisposedException)
        {
            throw new BusUnavailableException(subject, BusUnavailableReason.NotConnected, $"publish to NATS failed ({ex.GetType().Name})", ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>Two reconnection waits (<c>Bus:Nats:ReconnectWait</c>), the time a responder needs to notice a lost
    /// server, reconnect and subscribe again, when the server is in a cluster, as it tells its clients (a node that died
    /// takes its clients' subscriptions with it), or when this connection itself came back within that time (the server
    /// restarted: every client is reconnecting). Otherwise zero.</remarks>
    public TimeSpan RespondersMoveGrace
    {
        get
        {
            var grace = connection.Connection.Opts.ReconnectWaitMax * 2;
            return !string.IsNullOrEmpty(connection.Connection.ServerInfo?.Cluster) || connection.OpenedWithin(grace) ? grace : TimeSpan.Zero;
        }
    }

    /// <inheritdoc />
    public Task<bool> WaitUntilConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        connection.WaitUntilConnectedAsync(timeout, cancellationToken);

    private async Task<byte[]> RequestOverNatsAsync(string subject, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ThrowIfNotConnected(subject);
        var lost = connection.LostToken;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost);
        // Bounds the whole request, sending included, not only the wait for the reply.
        wait.CancelAfter(timeout);
        try
        {
            var reply = await connection.Connection.RequestAsync<byte[], byte[]>(subject, payload, NatsTraceHeaders.ForCurrentActivity(),
                replyOpts: new NatsSubOpts { Timeout = timeout }, cancellationToken: wait.Token);
            return Envelope(reply);
        }
        catch (NatsNoRespondersException ex)
        {
            throw new BusUnavailableException(subject, BusUnavailableReason.NoResponders, $"no instance serves {subject}", ex);
        }
        catch (NatsNoReplyException ex)
        {
            throw Timeout(subject, timeout, ex);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex) when (lost.IsCancellationRequested)
        {
            throw new BusUnavailableException(subject, BusUnavailableReason.NotConnected, "lost the connection to NATS while waiting for the reply", ex);
        }
        catch (OperationCanceledException ex)
        {
            throw Timeout(subject, timeout, ex);
        }
        catch (Exception ex) when (ex is NatsException or ObjectDisposedException)
        {
            throw new BusUnavailableException(subject, BusUnavailableReason.NotConnected, $"request over NATS failed ({ex.GetType().Name})", ex);
        }
    }

    /// <summary>The reply's envelope. A NATS micro service error without a body (a service that is not gomicro's) becomes
    /// the reference's error envelope, <c>{"error": "&lt;code&gt;:&lt;text&gt;"}</c>, from its <c>Nats-Service-Error</c>
    /// headers (ADR-32).</summary>
    private static byte[] Envelope(NatsMsg<byte[]> reply)
    {
        if (reply.Data is { Length: > 0 } data) return data;
        if (reply.Headers is { } headers && headers.TryGetLastValue("Nats-Service-Error", out var error))
        {
            var text = headers.TryGetLastValue("Nats-Service-Error-Code", out var code) && int.TryParse(code, out var status)
                ? BusEnvelope.KnownError(status, error)
                : error;
            return BusEnvelope.Error(text);
        }
        return [];
    }

    private void ThrowIfNotConnected(string subject)
    {
        if (connection.IsConnected) return;
        // A request before the first connection (e.g. the development seed) gets the connection going.
        connection.StartConnecting();
        throw new BusUnavailableException(subject, BusUnavailableReason.NotConnected, $"not connected to NATS ({connection.State})");
    }

    private static BusUnavailableException Timeout(string subject, TimeSpan timeout, Exception inner) =>
        new(subject, BusUnavailableReason.Timeout, $"no reply within {timeout.TotalMilliseconds:0} ms", inner);
}
