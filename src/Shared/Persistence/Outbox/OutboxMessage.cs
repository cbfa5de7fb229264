namespace GoMicro.Shared.Persistence.Outbox;

/// <summary>
/// One event waiting to be delivered (table <c>outbox_messages</c> in the database of the module that wrote it). It is
/// inserted in the same transaction as the change it announces, so the change and its announcement commit or roll back
/// together: a crash right after the commit leaves the row for the next dispatcher round, on any instance.
/// </summary>
public sealed class OutboxMessage
{
    /// <summary>Identity; also the delivery order within one dispatcher round.</summary>
    public long Id { get; set; }

    /// <summary>The bus subject the event is published on (or the registered handler's subject).</summary>
    public required string Subject { get; set; }

    /// <summary>The event as camelCase JSON (the bus envelope's <c>data</c>), stored as <c>jsonb</c>.</summary>
    public required string Payload { get; set; }

    /// <summary>When the change committed (UTC).</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Failed delivery attempts so far; drives the retry backoff.</summary>
    public int Attempts { get; set; }

    /// <summary>Not delivered before this instant (UTC): the creation time, then later after each failed attempt.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }
}
