using System.Diagnostics;

namespace GoMicro.Shared.Bus;

/// <summary>
/// W3C Trace Context (https://www.w3.org/TR/trace-context/) across the bus, in one place: the header names a transport
/// carries, and how the serving side continues the caller's trace so both processes log the same trace id. The caller's
/// <c>traceparent</c> also travels in the envelope (<see cref="BusEnvelope"/>) for gomicro-compatible peers.
/// </summary>
public static class BusTraceContext
{
    /// <summary>The <c>traceparent</c> header: <c>00-&lt;trace id&gt;-&lt;span id&gt;-&lt;flags&gt;</c>.</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>The <c>tracestate</c> header: vendor-specific key-value pairs that go with <c>traceparent</c>.</summary>
    public const string TraceStateHeader = "tracestate";

    /// <summary>The caller's side: the current activity's <c>traceparent</c> and <c>tracestate</c>, or nulls when no
    /// W3C activity is current.</summary>
    public static (string? TraceParent, string? TraceState) Current()
    {
        var activity = Activity.Current;
        return activity is { IdFormat: ActivityIdFormat.W3C } ? (activity.Id, activity.TraceStateString) : (null, null);
    }

    /// <summary>The serving side: starts an activity named <paramref name="name"/> as a child of the caller's span when
    /// <paramref name="traceParent"/> is given (otherwise of whatever activity is current), so the handler's log scopes
    /// carry the caller's trace id. Dispose it when the message is handled.</summary>
    /// <param name="name">Operation name, e.g. <c>bus auth.authentication</c>.</param>
    /// <param name="traceParent">The caller's <c>traceparent</c>, or null.</param>
    /// <param name="traceState">The caller's <c>tracestate</c>, or null.</param>
    public static Activity StartHandlerActivity(string name, string? traceParent, string? traceState)
    {
        var activity = new Activity(name);
        if (traceParent is not null && ActivityContext.TryParse(traceParent, traceState, out _))
        {
            activity.SetParentId(traceParent);
            if (traceState is not null) activity.TraceStateString = traceState;
        }
        return activity.Start();
    }
}
