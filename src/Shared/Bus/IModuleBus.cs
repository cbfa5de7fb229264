namespace GoMicro.Shared.Bus;

/// <summary>
/// The only way modules talk to each other: request-reply and publish on named subjects. Every message
/// crosses as the JSON envelope of the reference system's NATS services (<c>{"data": ...}</c> or
/// <c>{"error": "..."}</c>), whichever transport carries it, so a module cannot tell whether its peer runs
/// in the same process or behind NATS.
/// </summary>
public interface IModuleBus
{
    /// <summary>Sends <paramref name="request"/> to whoever serves <paramref name="subject"/> and waits for the reply.</summary>
    /// <typeparam name="TRequest">Request message, serialised as camelCase JSON inside <c>data</c>.</typeparam>
    /// <typeparam name="TReply">Reply message, read from <c>data</c>.</typeparam>
    /// <param name="subject">Explicit subject name, e.g. <c>auth.authentication</c>.</param>
    /// <param name="request">The message; serialised, never shared with the responder.</param>
    /// <param name="cancellationToken">Cancels the wait; the request may still reach the responder.</param>
    /// <returns>The deserialised reply.</returns>
    /// <exception cref="BusErrorException">The responder answered with an error text (<c>{"error": ...}</c>).</exception>
    /// <exception cref="BusRemoteFaultException">The responder's handler failed unexpectedly (<c>{"error": "internal error"}</c>).</exception>
    /// <exception cref="BusUnavailableException">Nobody serves the subject, or no answer came within <see cref="BusOptions.RequestTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<TReply> RequestAsync<TRequest, TReply>(string subject, TRequest request, CancellationToken cancellationToken = default);

    /// <summary>Publishes an event to every subscriber of <paramref name="subject"/> without waiting for them (at-most-once, as core NATS).</summary>
    /// <typeparam name="TEvent">Event message, serialised inside <c>data</c>.</typeparam>
    /// <param name="subject">Explicit subject name.</param>
    /// <param name="message">The event.</param>
    /// <param name="cancellationToken">Cancels sending.</param>
    /// <exception cref="BusUnavailableException">The transport cannot send (for NATS: not connected).</exception>
    Task PublishAsync<TEvent>(string subject, TEvent message, CancellationToken cancellationToken = default);

    /// <summary>Publishes an event with the publisher's de-duplication id: when the subject is stored in a JetStream stream
    /// (<see cref="IBusHandlerRegistry.DeclareEventStream"/>), a second publish with the same id within the stream's
    /// duplicate window is dropped by NATS, and this returns only once the stream stored the event.</summary>
    /// <typeparam name="TEvent">Event message, serialised inside <c>data</c>.</typeparam>
    /// <param name="subject">Explicit subject name.</param>
    /// <param name="message">The event.</param>
    /// <param name="messageId">Unique per event, the same on every re-send of it (the outbox row's identity).</param>
    /// <param name="cancellationToken">Cancels sending.</param>
    /// <exception cref="BusUnavailableException">The transport cannot send, or the stream did not confirm.</exception>
    Task PublishAsync<TEvent>(string subject, TEvent message, string messageId, CancellationToken cancellationToken);
}
