using System.ComponentModel.DataAnnotations;

namespace GoMicro.Shared.Bus;

/// <summary>Which transport carries the module bus.</summary>
public enum BusTransportKind
{
    /// <summary>Handlers run in this process; every subject must be served locally.</summary>
    InProcess,
    /// <summary>Requests to subjects served elsewhere go over NATS.</summary>
    Nats,
}

/// <summary>Options bound from the <c>Bus</c> configuration section.</summary>
public sealed class BusOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Bus";

    /// <summary><c>Bus:Transport</c>. Null means "the role's default": in-process for <c>monolith</c>, NATS for a single-module role.</summary>
    public BusTransportKind? Transport { get; set; }

    /// <summary><c>Bus:RequestTimeout</c>: how long a request waits for its reply. Default 5 s; the reference waits 120 s,
    /// which holds an HTTP request for two minutes when a service is down.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// <c>Bus:HedgeDelay</c>: how long a request to a read-only subject (<see cref="IdempotentSubjects"/>) waits for its
    /// reply before the same request is sent again (a hedged request), and again after each further delay, the first
    /// reply winning. Default 20 ms: about ten times the p99 of a bus round trip measured by bench/ under 32 concurrent
    /// callers (1.7 ms), so a healthy instance is almost never hedged, while a request that landed on a stuck instance
    /// is answered by another within tens of milliseconds instead of waiting <see cref="RequestTimeout"/> (ADR 31).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan HedgeDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// <c>Bus:MaxHedges</c>: how many extra copies of one read-only request may be sent at most, one per
    /// <see cref="HedgeDelay"/>. A NATS queue group picks an instance at random and keeps picking a stuck one, so with one
    /// of two instances stuck each copy has an even chance of landing there again: 20 copies leave about one request in
    /// two million unanswered. 0 turns hedging off (a read-only request is then sent once, like a write).
    /// </summary>
    [Range(0, 100)]
    public int MaxHedges { get; set; } = 20;

    /// <summary>
    /// <c>Bus:IdempotentSubjects</c>: subjects whose requests only read, so a request without a reply within
    /// <see cref="HedgeDelay"/> is sent again (hedged) and the NATS queue group can pick another instance (a "no responders" answer is final: nobody serves the subject). NATS wildcards apply:
    /// <c>*</c> matches one token, a final <c>&gt;</c> the rest. Null (not configured) means <see cref="DefaultIdempotentSubjects"/>;
    /// configure a subject nobody uses (e.g. <c>none</c>) to switch hedging off.
    /// </summary>
    public string[]? IdempotentSubjects { get; set; }

    /// <summary>Every Auth subject only reads (authentication, authorization, profile, API key check).</summary>
    public static IReadOnlyList<string> DefaultIdempotentSubjects { get; } = ["auth.>"];

    /// <summary><c>Bus:Nats</c>: NATS connection settings, used when <see cref="Transport"/> is <see cref="BusTransportKind.Nats"/>.</summary>
    public NatsOptions Nats { get; set; } = new();

    /// <summary><c>Bus:Events</c>: the JetStream streams events are stored in and the durable consumers that apply them
    /// once per service (NATS only, ADR 32).</summary>
    public EventStreamOptions Events { get; set; } = new();

    /// <summary>True when <paramref name="subject"/> matches one of the idempotent patterns (NATS wildcard rules).</summary>
    public bool IsIdempotent(string subject)
    {
        foreach (var pattern in IdempotentSubjects ?? DefaultIdempotentSubjects)
            if (SubjectPattern.Matches(pattern, subject)) return true;
        return false;
    }
}

/// <summary>NATS subject wildcard matching: <c>*</c> is exactly one token, a final <c>&gt;</c> one or more tokens.</summary>
public static class SubjectPattern
{
    /// <summary>True when <paramref name="subject"/> (a literal subject) matches <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, string subject)
    {
        var patternTokens = pattern.Split('.');
        var subjectTokens = subject.Split('.');
        for (var i = 0; i < patternTokens.Length; i++)
        {
            if (patternTokens[i] == ">" && i == patternTokens.Length - 1) return subjectTokens.Length > i;
            if (i >= subjectTokens.Length) return false;
            if (patternTokens[i] != "*" && !string.Equals(patternTokens[i], subjectTokens[i], StringComparison.Ordinal)) return false;
        }
        return patternTokens.Length == subjectTokens.Length;
    }
}

/// <summary>Options bound from <c>Bus:Nats</c>.</summary>
public sealed class NatsOptions
{
    /// <summary><c>Bus:Nats:Url</c>: server URL, e.g. <c>nats://localhost:4222</c>; several servers of a cluster are
    /// separated by commas.</summary>
    public string Url { get; set; } = "nats://localhost:4222";

    /// <summary><c>Bus:Nats:ConnectTimeout</c>: how long one connection attempt may take (requests never wait for it: they
    /// fail fast while disconnected). Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>Bus:Nats:ReconnectWait</c>: pause between reconnection attempts; the process retries forever. Default 1 s,
    /// so requests succeed again about a second after the server returns.</summary>
    public TimeSpan ReconnectWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>Bus:Nats:PingInterval</c>: how often the client pings the server. With <see cref="MaxPingsOut"/> it bounds
    /// how long a dead server goes unnoticed. Default 2 s (the NATS default of 2 min would hide an outage for minutes).</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Bus:Nats:MaxPingsOut</c>: unanswered pings after which the connection counts as lost. Default 2.</summary>
    public int MaxPingsOut { get; set; } = 2;

    /// <summary><c>Bus:Nats:Username</c>: user for NATS user/password authentication; empty = none.</summary>
    public string? Username { get; set; }

    /// <summary><c>Bus:Nats:Password</c>: password of <see cref="Username"/>.</summary>
    public string? Password { get; set; }

    /// <summary><c>Bus:Nats:Token</c>: NATS token authentication; empty = none.</summary>
    public string? Token { get; set; }

    /// <summary><c>Bus:Nats:CredentialsFile</c>: path of a NATS <c>.creds</c> file (JWT and NKey seed, decentralised
    /// authentication); empty = none.</summary>
    public string? CredentialsFile { get; set; }
}

/// <summary>Options bound from <c>Bus:Events</c> (ADR 32).</summary>
public sealed class EventStreamOptions
{
    /// <summary><c>Bus:Events:MaxAge</c>: how long a stream keeps an event (JetStream <c>max_age</c>). An event is applied by
    /// a service when one of its instances runs; a service down for longer misses what is older, and starts with caches
    /// that expire by themselves. Default 24 h.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary><c>Bus:Events:Replicas</c>: copies of each stream kept by the cluster. 0 (default) means min(3, cluster size),
    /// the cluster's size being what the server reports (1 for a single server).</summary>
    [Range(0, 5)]
    public int Replicas { get; set; }

    /// <summary><c>Bus:Events:DuplicateWindow</c>: how long a stream remembers a publisher's message id to drop a re-send
    /// (JetStream <c>duplicate_window</c>). Default 2 min, the server's default, well above the outbox's retry delays.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary><c>Bus:Events:AckWait</c>: how long a durable consumer waits for an instance to apply an event before it
    /// delivers it again (to any instance). Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>Bus:Events:RetryDelay</c>: how long a durable consumer waits before it delivers again an event an
    /// instance failed to apply (a negative acknowledgement with JetStream's <c>NakDelay</c>), instead of the whole
    /// <see cref="AckWait"/>. Default 1 s: the time the cache's circuit breaker keeps a failed Redis switched off.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
