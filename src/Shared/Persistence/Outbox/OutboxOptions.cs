using System.ComponentModel.DataAnnotations;

namespace GoMicro.Shared.Persistence.Outbox;

/// <summary>Options bound from the <c>Outbox</c> section; one set for every module's dispatcher.</summary>
public sealed class OutboxOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Outbox";

    /// <summary><c>Outbox:PollInterval</c>: how often the dispatcher looks for messages when no <c>NOTIFY</c> woke it (the
    /// fallback while its <c>LISTEN</c> connection is down, and the bound on any missed notification). Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Outbox:BatchSize</c>: messages taken per round (one transaction). Default 100.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary><c>Outbox:RetryDelay</c>: the wait after a message's first failed delivery; it doubles with each further
    /// failure up to <see cref="MaxRetryDelay"/>. Default 500 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary><c>Outbox:MaxRetryDelay</c>: the longest wait between two attempts of one message. Default 30 s. A message
    /// is retried until it is delivered: events announce committed changes, so dropping one would leave caches stale.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
