namespace GoMicro.BusRoundTrip;

/// <summary>The tiny message sent and echoed back: <c>{"data":{"value":"ping"}}</c> on the wire.</summary>
/// <param name="Value">Any short text.</param>
internal sealed record Ping(string Value);
