namespace GoMicro.Shared.Bus;

/// <summary>
/// Whether this process is currently receiving bus events, so a consumer that relies on events to evict cached data
/// (a revoked session, a deactivated API key) can stop trusting that data while events may be missed.
/// </summary>
/// <remarks>
/// The in-process transport never misses an event, so it is always receiving. A broker transport reports false while
/// its connection is down or reconnecting, and bumps <see cref="Epoch"/> each time it starts receiving again, so a
/// consumer can discard everything it cached before the gap: events published during the gap are lost to it. A message
/// the transport itself had to drop (no room left for it) is a gap too: it bumps <see cref="Epoch"/> at once.
/// </remarks>
public interface IBusSubscriptionState
{
    /// <summary>True while events published by any process reach this process's event handlers.</summary>
    bool IsReceiving { get; }

    /// <summary>Increases each time receiving resumes after a gap, or a message was dropped; never decreases.</summary>
    long Epoch { get; }
}

/// <summary>The in-process transport's state: every published event reaches every handler, so there is never a gap.</summary>
public sealed class AlwaysReceiving : IBusSubscriptionState
{
    /// <inheritdoc />
    public bool IsReceiving => true;

    /// <inheritdoc />
    public long Epoch => 0;
}
