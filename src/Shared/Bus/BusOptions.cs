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
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>Bus:Nats</c>: NATS connection settings, used when <see cref="Transport"/> is <see cref="BusTransportKind.Nats"/>.</summary>
    public NatsOptions Nats { get; set; } = new();
}

/// <summary>Options bound from <c>Bus:Nats</c>.</summary>
public sealed class NatsOptions
{
    /// <summary><c>Bus:Nats:Url</c>: server URL, e.g. <c>nats://localhost:4222</c>.</summary>
    public string Url { get; set; } = "nats://localhost:4222";
}
