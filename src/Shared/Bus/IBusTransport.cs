namespace GoMicro.Shared.Bus;

/// <summary>
/// Moves envelope bytes between a caller and the handlers of a subject. <see cref="ModuleBus"/> does all
/// serialisation, so transports differ only in how bytes travel; that is what keeps the in-process and NATS
/// buses behaving the same.
/// </summary>
public interface IBusTransport
{
    /// <summary>The transport's <c>messaging.system</c> in bus spans and metrics (<see cref="BusTelemetry"/>):
    /// <c>nats</c>, or <c>in_process</c> for the monolith's in-process transport.</summary>
    string MessagingSystem { get; }

    /// <summary>Sends a request envelope and returns the reply envelope.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="payload">The request envelope (UTF-8 JSON). The transport must not keep it after returning.</param>
    /// <param name="timeout">How long to wait for a reply.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The reply envelope (UTF-8 JSON), a copy the caller owns.</returns>
    /// <exception cref="BusUnavailableException">No responder, no reply in time, or not connected.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    Task<byte[]> RequestAsync(string subject, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Publishes an event envelope without waiting for subscribers.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="payload">The event envelope.</param>
    /// <param name="messageId">The publisher's de-duplication id (NATS <c>Nats-Msg-Id</c>), or null: a subject stored in a
    /// JetStream stream is stored once per id within the stream's duplicate window.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <exception cref="BusUnavailableException">Not connected, or the stream did not confirm storing the event.</exception>
    Task PublishAsync(string subject, byte[] payload, string? messageId, CancellationToken cancellationToken);

    /// <summary>Waits until requests can go out again after the connection was lost, at most <paramref name="timeout"/>.</summary>
    /// <returns>True when connected (at once if never disconnected); false when the time ran out, or for a transport that
    /// has no connection to wait for.</returns>
    Task<bool> WaitUntilConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(false);

    /// <summary>How long a "no responders" answer may be transient: in a NATS cluster, the instances that were connected
    /// to a node that died have no subscription anywhere until they reconnected to another node and subscribed again. Zero
    /// where that cannot happen (one server, in-process): "no responders" is then final.</summary>
    TimeSpan RespondersMoveGrace => TimeSpan.Zero;
}
