using GoMicro.Shared.Bus;
using NATS.Client.Core;

namespace GoMicro.Host.Bus.Nats;

/// <summary>
/// W3C Trace Context in NATS headers (<c>traceparent</c>, <c>tracestate</c>), the NATS side of
/// <see cref="BusTraceContext"/>: the caller writes the current activity's, the server reads them, falling back to the
/// envelope's <c>traceparent</c> that gomicro-compatible peers (which send no headers) may carry.
/// </summary>
internal static class NatsTraceHeaders
{
    /// <summary>Headers with the current activity's trace context, or null when no W3C activity is current.</summary>
    public static NatsHeaders? ForCurrentActivity()
    {
        var (traceParent, traceState) = BusTraceContext.Current();
        if (traceParent is null) return null;
        var headers = new NatsHeaders { [BusTraceContext.TraceParentHeader] = traceParent };
        if (!string.IsNullOrEmpty(traceState)) headers[BusTraceContext.TraceStateHeader] = traceState;
        return headers;
    }

    /// <summary>The caller's trace context: from the headers, else the envelope's <c>traceparent</c>.</summary>
    public static (string? TraceParent, string? TraceState) Read(NatsHeaders? headers, ReadOnlySpan<byte> envelope)
    {
        if (headers is not null && headers.TryGetLastValue(BusTraceContext.TraceParentHeader, out var traceParent))
        {
            headers.TryGetLastValue(BusTraceContext.TraceStateHeader, out var traceState);
            return (traceParent, traceState);
        }
        return (BusEnvelope.TopLevelString(envelope, "traceparent"u8), null);
    }
}
