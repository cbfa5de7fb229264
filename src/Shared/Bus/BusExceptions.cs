namespace GoMicro.Shared.Bus;

/// <summary>Base of the failures <see cref="IModuleBus"/> reports; carries the subject that failed.</summary>
public abstract class BusException(string subject, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The subject of the failed request, e.g. <c>auth.authentication</c>.</summary>
    public string Subject { get; } = subject;

    /// <summary>The service that owns the subject: its first dot-separated token (<c>auth</c> for <c>auth.authentication</c>),
    /// the same name the NATS micro service registers under.</summary>
    public string Service => Subject.Split('.', 2)[0];
}

/// <summary>
/// The responder answered <c>{"error": "..."}</c> with a domain error. <see cref="Exception.Message"/> is the responder's
/// text without the reference's <c>"&lt;status&gt;:"</c> prefix (api.md section 6), which the caller may show;
/// <see cref="Status"/> is that prefix when there was one.
/// </summary>
/// <param name="subject">The subject of the request.</param>
/// <param name="error">The error text, prefix stripped.</param>
/// <param name="status">The HTTP status the responder gave the error (<c>401</c> for <c>"401:permission denied: …"</c>), or
/// null for a raw text without prefix.</param>
public sealed class BusErrorException(string subject, string error, int? status = null) : BusException(subject, error)
{
    /// <summary>The HTTP status the responder sent with the error (4xx), or null when it sent a raw text.</summary>
    public int? Status { get; } = status;
}

/// <summary>
/// The responder failed unexpectedly (its reply was <c>{"error": "500:internal error"}</c> or the raw
/// <c>"internal error"</c>, any 5xx status), or its reply could not be read (not an envelope, no data). Distinct from
/// <see cref="BusErrorException"/> so that a peer's fault is never read as a domain answer such as "invalid key" or
/// "not authenticated"; HTTP callers answer 500 with the generic text.
/// </summary>
/// <param name="subject">The subject of the request.</param>
/// <param name="detail">What was wrong, for logs (never shown to HTTP clients); null for a handler failure.</param>
public sealed class BusRemoteFaultException(string subject, string? detail = null)
    : BusException(subject, $"{subject.Split('.', 2)[0]} service failed to handle {subject}" + (detail is null ? "" : $": {detail}"));

/// <summary>Why a request got no answer.</summary>
public enum BusUnavailableReason
{
    /// <summary>No handler or subscriber serves the subject (NATS "no responders" status, at once).</summary>
    NoResponders,
    /// <summary>No reply within the request timeout.</summary>
    Timeout,
    /// <summary>The transport is not connected, or lost its connection while waiting (for NATS: the server is down,
    /// reconnecting, or the connection is draining).</summary>
    NotConnected,
    /// <summary>The responder answered, with status 503: a dependency it needs (its database) is unavailable
    /// (<see cref="DependencyFault"/>).</summary>
    ResponderDependencyUnavailable,
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
/// Thrown by a bus handler to answer with an error instead of data. The text travels to the caller, so it must be safe
/// to show (the reference's texts, such as <c>permission denied: invalid access token</c>). With a status it travels as
/// the reference's known error, <c>"&lt;status&gt;:&lt;message&gt;"</c> (goserve's <c>RespondNatsError</c>), so a
/// reference caller maps it to that status; without one, as a raw text.
/// </summary>
public sealed class BusHandlerException : Exception
{
    /// <summary>A known error: <paramref name="status"/> (a 4xx HTTP status) and the text.</summary>
    /// <param name="status">The HTTP status the caller should answer, e.g. 401.</param>
    /// <param name="message">The text, e.g. <c>permission denied: invalid access token</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not 400-499.</exception>
    public BusHandlerException(int status, string message) : base(message)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(status, 499);
        Status = status;
    }

    /// <summary>A raw error text without status (the reference sends other errors so).</summary>
    /// <param name="error">The text.</param>
    public BusHandlerException(string error) : base(error)
    {
    }

    /// <summary>The HTTP status sent as the text's prefix, or null for a raw text.</summary>
    public int? Status { get; }
}
