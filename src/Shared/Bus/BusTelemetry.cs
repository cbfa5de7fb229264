using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GoMicro.Shared.Bus;

/// <summary>
/// Spans and metrics of the module bus, named by the OpenTelemetry messaging semantic conventions
/// (https://opentelemetry.io/docs/specs/semconv/messaging/), the same over NATS and in-process so the monolith's traces
/// look like the split's:
/// <list type="bullet">
/// <item>a request is a <c>send {subject}</c> span of kind Client (it waits for the reply), an event a
/// <c>send {subject}</c> span of kind Producer, and the handler a <c>process {subject}</c> span of kind Consumer, a child
/// of the sender's span across processes (its W3C <c>traceparent</c> travels in the NATS headers and the envelope);</item>
/// <item>attributes <c>messaging.system</c> (<see cref="IBusTransport.MessagingSystem"/>: <c>nats</c> or
/// <c>in_process</c>), <c>messaging.destination.name</c> (the subject), <c>messaging.operation.type</c>
/// (<c>send</c>/<c>process</c>), <c>messaging.operation.name</c> (<c>request</c>/<c>publish</c>/<c>process</c>) and,
/// on failure only, <c>error.type</c> (see <see cref="ErrorTypes"/>) with the span status Error;</item>
/// <item>histograms <c>messaging.client.operation.duration</c> (send) and <c>messaging.process.duration</c>
/// (handlers), in seconds, with the conventions' advised bucket boundaries and the same attributes.</item>
/// </list>
/// A domain answer such as <c>404:user does not exists</c> is a successful exchange, not an error. While nothing listens
/// (no exporter registered) the source starts no activity and the histograms record nothing.
/// </summary>
/// <remarks>
/// A singleton of each host (<see cref="BusServiceCollectionExtensions.AddModuleBus"/>): its <see cref="Meter"/> comes
/// from the host's <see cref="IMeterFactory"/>, as .NET's metrics guidance asks of code that lives in DI, so a listener
/// can tell one host's measurements from another's in the same process (tests run many hosts). The
/// <see cref="ActivitySource"/> is process-wide, as every source is; spans are told apart by their trace.
/// </remarks>
public sealed class BusTelemetry
{
    /// <summary>Name of the <see cref="ActivitySource"/> and of the <see cref="Meter"/>, for <c>AddSource</c>/<c>AddMeter</c>.</summary>
    public const string Name = "GoMicro.Bus";

    /// <summary>Values of <c>error.type</c> on bus spans and metrics.</summary>
    public static class ErrorTypes
    {
        /// <summary>No reply within the request timeout.</summary>
        public const string Timeout = "timeout";
        /// <summary>Nobody serves the subject.</summary>
        public const string NoResponders = "no_responders";
        /// <summary>The transport is not connected.</summary>
        public const string NotConnected = "not_connected";
        /// <summary>The responder's handler failed (a 5xx or unreadable reply), seen by the caller.</summary>
        public const string RemoteFault = "remote_fault";
        /// <summary>The handler failed unexpectedly, seen by the handling side.</summary>
        public const string HandlerFailed = "handler_failed";
        /// <summary>The caller cancelled (or, on the handling side, the caller or a shutdown abandoned the handler).</summary>
        public const string Cancelled = "cancelled";
    }

    private static readonly ActivitySource Source = new(Name);

    // The messaging conventions' advised boundaries for both duration histograms, in seconds.
    private static readonly InstrumentAdvice<double> DurationAdvice = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    };

    private readonly Histogram<double> _clientDuration;
    private readonly Histogram<double> _processDuration;
    private readonly Counter<long> _hedges;

    /// <summary>Creates the host's bus meter (<see cref="Name"/>) and its two histograms.</summary>
    /// <param name="meterFactory">The host's meter factory (<c>AddMetrics</c>).</param>
    public BusTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _clientDuration = meter.CreateHistogram(
            "messaging.client.operation.duration", "s", "Duration of a bus send (request until its reply, or publish).", advice: DurationAdvice);
        _processDuration = meter.CreateHistogram(
            "messaging.process.duration", "s", "Duration of a bus handler.", advice: DurationAdvice);
        // Not in the messaging conventions, hence our own namespace; same attributes as the duration metrics.
        _hedges = meter.CreateCounter<long>(
            "gomicro.bus.client.hedges", "{request}", "Extra copies of read-only requests sent because no reply came within Bus:HedgeDelay.");
    }

    /// <summary>Counts one hedged copy of a request on <paramref name="subject"/> (<c>gomicro.bus.client.hedges</c>).</summary>
    /// <param name="system">The transport's <c>messaging.system</c>.</param>
    /// <param name="subject">The subject.</param>
    public void RecordHedge(string system, string subject)
    {
        if (!_hedges.Enabled) return;
        _hedges.Add(1, new TagList { { "messaging.system", system }, { "messaging.destination.name", subject }, { "messaging.operation.name", "request" } });
    }

    /// <summary>True when a listener wants spans or the process metric, so the handling side reads the reply's outcome.</summary>
    internal bool ProcessObserved => Source.HasListeners() || _processDuration.Enabled;

    /// <summary>Starts the caller's span (null when nothing listens). It is current until disposed, so the transport
    /// writes its <c>traceparent</c> into the message.</summary>
    /// <param name="system">The transport's <c>messaging.system</c>.</param>
    /// <param name="subject">The subject.</param>
    /// <param name="request">True for a request (kind Client), false for a publish (kind Producer).</param>
    public Activity? StartSend(string system, string subject, bool request)
    {
        if (!Source.HasListeners()) return null;
        var activity = Source.StartActivity("send " + subject, request ? ActivityKind.Client : ActivityKind.Producer);
        activity?.SetTag("messaging.system", system)
            .SetTag("messaging.destination.name", subject)
            .SetTag("messaging.operation.type", "send")
            .SetTag("messaging.operation.name", request ? "request" : "publish");
        return activity;
    }

    /// <summary>Starts the handler's span as a child of the caller's: of <paramref name="traceParent"/> when given (a
    /// message from another process), else of the current activity. When nothing listens it still makes the caller's
    /// trace current with a plain activity (<see cref="BusTraceContext.StartHandlerActivity"/>), so the handler's log
    /// lines carry the caller's trace id.</summary>
    /// <param name="system">The transport's <c>messaging.system</c>.</param>
    /// <param name="subject">The subject.</param>
    /// <param name="traceParent">The caller's W3C <c>traceparent</c>, or null in-process.</param>
    /// <param name="traceState">The caller's <c>tracestate</c>, or null.</param>
    /// <returns>The activity to dispose when the message is handled; null only in-process while nothing listens.</returns>
    public Activity? StartProcess(string system, string subject, string? traceParent, string? traceState)
    {
        Activity? activity = null;
        if (Source.HasListeners())
        {
            activity = traceParent is not null && ActivityContext.TryParse(traceParent, traceState, out var parent)
                ? Source.StartActivity("process " + subject, ActivityKind.Consumer, parent)
                : Source.StartActivity("process " + subject, ActivityKind.Consumer);
            activity?.SetTag("messaging.system", system)
                .SetTag("messaging.destination.name", subject)
                .SetTag("messaging.operation.type", "process")
                .SetTag("messaging.operation.name", "process");
        }
        if (activity is null && traceParent is not null)
            activity = BusTraceContext.StartHandlerActivity("process " + subject, traceParent, traceState);
        return activity;
    }

    /// <summary>Ends a send: records <c>messaging.client.operation.duration</c> and marks the span failed when
    /// <paramref name="errorType"/> is given.</summary>
    /// <param name="activity">The span from <see cref="StartSend"/>, or null.</param>
    /// <param name="system">The transport's <c>messaging.system</c>.</param>
    /// <param name="subject">The subject.</param>
    /// <param name="request">True for a request, false for a publish.</param>
    /// <param name="startedAt">The <see cref="Stopwatch.GetTimestamp"/> taken before sending.</param>
    /// <param name="errorType">One of <see cref="ErrorTypes"/>, or null on success.</param>
    public void EndSend(Activity? activity, string system, string subject, bool request, long startedAt, string? errorType)
    {
        Fail(activity, errorType);
        if (!_clientDuration.Enabled) return;
        _clientDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, Tags(system, subject, "send", request ? "request" : "publish", errorType));
    }

    /// <summary>Ends a handler: records <c>messaging.process.duration</c> and marks the span failed when
    /// <paramref name="errorType"/> is given.</summary>
    /// <param name="activity">The span from <see cref="StartProcess"/>, or null.</param>
    /// <param name="system">The transport's <c>messaging.system</c>.</param>
    /// <param name="subject">The subject.</param>
    /// <param name="startedAt">The <see cref="Stopwatch.GetTimestamp"/> taken when the message arrived.</param>
    /// <param name="errorType">One of <see cref="ErrorTypes"/>, or null on success.</param>
    public void EndProcess(Activity? activity, string system, string subject, long startedAt, string? errorType)
    {
        Fail(activity, errorType);
        if (!_processDuration.Enabled) return;
        _processDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, Tags(system, subject, "process", "process", errorType));
    }

    /// <summary>The caller's <c>error.type</c> for a failed send.</summary>
    public static string ErrorTypeOf(Exception exception) => exception switch
    {
        BusUnavailableException { Reason: BusUnavailableReason.Timeout } => ErrorTypes.Timeout,
        BusUnavailableException { Reason: BusUnavailableReason.NoResponders } => ErrorTypes.NoResponders,
        BusUnavailableException { Reason: BusUnavailableReason.ResponderDependencyUnavailable } => ErrorTypes.RemoteFault,
        BusUnavailableException => ErrorTypes.NotConnected,
        OperationCanceledException => ErrorTypes.Cancelled,
        _ => ErrorTypes.RemoteFault,
    };

    /// <summary>The handling side's <c>error.type</c> for a reply envelope: <see cref="ErrorTypes.HandlerFailed"/> for a
    /// 5xx (or status-less) error, null for data or a domain answer (4xx).</summary>
    /// <param name="reply">The reply envelope, or null for an event.</param>
    public static string? ErrorTypeOfReply(ReadOnlySpan<byte> reply)
    {
        if (BusEnvelope.TopLevelString(reply, "error"u8) is not { } error) return null;
        var (status, _) = BusEnvelope.ParseError(error);
        return status is null or >= 500 ? ErrorTypes.HandlerFailed : null;
    }

    private static void Fail(Activity? activity, string? errorType)
    {
        if (activity is null || errorType is null) return;
        activity.SetTag("error.type", errorType);
        activity.SetStatus(ActivityStatusCode.Error);
    }

    private static TagList Tags(string system, string subject, string operationType, string operationName, string? errorType)
    {
        var tags = new TagList
        {
            { "messaging.system", system },
            { "messaging.destination.name", subject },
            { "messaging.operation.type", operationType },
            { "messaging.operation.name", operationName },
        };
        if (errorType is not null) tags.Add("error.type", errorType);
        return tags;
    }
}
