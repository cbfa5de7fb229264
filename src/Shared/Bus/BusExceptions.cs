namespace GoMicro.Shared.Bus;

/// <summary>Base of the failures <see cref="IModuleBus"/> reports; carries the subject that failed.</summary>
public abstract class BusException(string subject, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The subject of the failed request, e.g. <c>auth.authentication</c>.</summary>
    public string Subject { get; } = subject;

    /// <summary>The service that owns the subject: its first dot-separated token (<c>auth</c> for <c>auth.authentication</c>),
    /// the same name the NATS queue group and the micro service protocol use.</summary>
    public string Service => Subject.Split('.', 2)[0];
}

/// <summary>
/// The responder answered <c>{"error": "..."}</c>. <see cref="Exception.Message"/> is exactly the responder's text,
/// which the caller maps to an HTTP status as the reference does (authentication 401, authorization 403, profile 404).
/// </summary>
public sealed class BusErrorException(string subject, string error) : BusException(subject, error);

/// <summary>
/// The responder failed unexpectedly (its reply was <c>{"error": "internal error"}</c>, see
/// <see cref="BusEnvelope.InternalError"/>). Distinct from <see cref="BusErrorException"/> so that a peer's outage is never
/// read as a domain answer such as "invalid key" or "not authenticated"; HTTP callers answer 500.
/// </summary>
public sealed class BusRemoteFaultException(string subject)
    : BusException(subject, $"{subject.Split('.', 2)[0]} service failed to handle {subject}");

/// <summary>Why a request got no answer.</summary>
public enum BusUnavailableReason
{
    /// <summary>No handler or subscriber serves the subject (NATS "no responders").</summary>
    NoResponders,
    /// <summary>No reply within the request timeout.</summary>
    Timeout,
    /// <summary>The transport is not connected (for NATS: the server is down or reconnecting).</summary>
    NotConnected,
}

/// <summary>
/// Nobody answered. Never an authentication failure: HTTP callers map it to 503 naming <see cref="BusException.Service"/>.
/// </summary>
public sealed class BusUnavailableException(string subject, BusUnavailableReason reason, string detail, Exception? inner = null)
    : BusException(subject, $"{subject.Split('.', 2)[0]} service unavailable: {detail}", inner)
{
    /// <summary>Why no answer came.</summary>
    public BusUnavailableReason Reason { get; } = reason;
}

/// <summary>
/// Thrown by a bus handler to answer with an error text instead of data. The text travels to the caller verbatim,
/// so it must be safe to show (the reference's texts, such as <c>permission denied: invalid access token</c>).
/// </summary>
public sealed class BusHandlerException(string error) : Exception(error);
