using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GoMicro.Shared.Bus.Nats;

/// <summary>
/// This process as a NATS "micro" service (ADR-32, schemas <c>io.nats.micro.v1.*_response</c>): answers <c>$SRV.PING</c>,
/// <c>$SRV.INFO</c> and <c>$SRV.STATS</c>, each plain, with the service name and with name and instance id appended,
/// and keeps the per-endpoint counters STATS reports. Only requests that arrive over NATS are counted; a subject
/// served in-process never reaches NATS.
/// </summary>
internal sealed class ServiceDiscovery
{
    public const string PingResponseType = "io.nats.micro.v1.ping_response";
    public const string InfoResponseType = "io.nats.micro.v1.info_response";
    public const string StatsResponseType = "io.nats.micro.v1.stats_response";
    private static readonly string[] Verbs = ["PING", "INFO", "STATS"];
    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Plain "+" in versions such as 1.0.0+abc, as other NATS clients write them.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    private readonly NatsServiceIdentity _identity;
    private readonly BusHandlerRegistry _registry;
    private readonly Dictionary<string, EndpointCounters> _counters = new(StringComparer.Ordinal);
    private DateTime _started = DateTime.UtcNow;

    public ServiceDiscovery(NatsServiceIdentity identity, BusHandlerRegistry registry)
    {
        _identity = identity;
        _registry = registry;
        // 22 random hex characters: as long as the NUIDs other NATS clients use as instance ids.
        Id = Convert.ToHexString(RandomNumberGenerator.GetBytes(11));
    }

    /// <summary>This instance's id: random, new at every start.</summary>
    public string Id { get; }

    /// <summary>The identity it reports.</summary>
    public NatsServiceIdentity Identity => _identity;

    /// <summary>The nine discovery subjects this instance answers.</summary>
    public IEnumerable<string> Subjects => Verbs.SelectMany(verb => new[]
    {
        $"$SRV.{verb}", $"$SRV.{verb}.{_identity.Name}", $"$SRV.{verb}.{_identity.Name}.{Id}",
    });

    /// <summary>The queue group of a request subject: the service that owns it, its first token (<c>auth</c> for <c>auth.authentication</c>),
    /// so every instance of every role serving it shares the requests.</summary>
    public static string QueueGroupOf(string subject) => subject.Split('.', 2)[0];

    /// <summary>The endpoint name the protocol shows for a subject (names allow only letters, digits, <c>-</c> and <c>_</c>):
    /// the subject without its service token, dots as dashes (<c>auth.profile.user</c> → <c>profile-user</c>).</summary>
    public static string EndpointNameOf(string subject)
    {
        var parts = subject.Split('.', 2);
        return (parts.Length == 2 ? parts[1] : parts[0]).Replace('.', '-');
    }

    /// <summary>Marks the start of serving (STATS <c>started</c>) and zeroes the counters.</summary>
    public void Start()
    {
        lock (_counters)
        {
            _counters.Clear();
            foreach (var endpoint in _registry.RequestEndpoints) _counters[endpoint.Subject] = new EndpointCounters();
            _started = DateTime.UtcNow;
        }
    }

    /// <summary>Counts one request handled over NATS.</summary>
    /// <param name="subject">The endpoint's subject.</param>
    /// <param name="startTimestamp"><see cref="Stopwatch.GetTimestamp"/> when handling began.</param>
    /// <param name="error">The error text the reply carried, or null for a success.</param>
    public void Record(string subject, long startTimestamp, string? error)
    {
        var nanoseconds = (long)(Stopwatch.GetElapsedTime(startTimestamp).Ticks * (1_000_000_000.0 / TimeSpan.TicksPerSecond));
        lock (_counters)
        {
            if (!_counters.TryGetValue(subject, out var counters)) _counters[subject] = counters = new EndpointCounters();
            counters.Requests++;
            counters.ProcessingNanoseconds += nanoseconds;
            if (error is not null)
            {
                counters.Errors++;
                counters.LastError = error;
            }
        }
    }

    /// <summary>The answer to a discovery request on <paramref name="subject"/> (one of <see cref="Subjects"/>).</summary>
    public byte[] Answer(string subject)
    {
        var verb = subject.Split('.')[1];
        object response = verb switch
        {
            "PING" => new PingResponse(PingResponseType, _identity.Name, Id, _identity.Version, NoMetadata),
            "INFO" => Info(),
            _ => Stats(),
        };
        return JsonSerializer.SerializeToUtf8Bytes(response, response.GetType(), Json);
    }

    /// <summary>The INFO response.</summary>
    public InfoResponse Info() => new(InfoResponseType, _identity.Name, Id, _identity.Version, NoMetadata, _identity.Description,
        _registry.RequestEndpoints.Select(e => new EndpointInfo(EndpointNameOf(e.Subject), e.Subject, QueueGroupOf(e.Subject), NoMetadata)).ToArray());

    /// <summary>The STATS response.</summary>
    public StatsResponse Stats()
    {
        lock (_counters)
        {
            var endpoints = _registry.RequestEndpoints.Select(e =>
            {
                var counters = _counters.GetValueOrDefault(e.Subject) ?? new EndpointCounters();
                return new EndpointStats(EndpointNameOf(e.Subject), e.Subject, QueueGroupOf(e.Subject), counters.Requests, counters.Errors,
                    counters.LastError, counters.ProcessingNanoseconds,
                    counters.Requests == 0 ? 0 : counters.ProcessingNanoseconds / counters.Requests);
            }).ToArray();
            return new StatsResponse(StatsResponseType, _identity.Name, Id, _identity.Version, NoMetadata,
                _started.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'"), endpoints);
        }
    }

    private sealed class EndpointCounters
    {
        public long Requests;
        public long Errors;
        public string LastError = "";
        public long ProcessingNanoseconds;
    }
}

/// <summary><c>io.nats.micro.v1.ping_response</c>.</summary>
internal sealed record PingResponse(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string> Metadata);

/// <summary><c>io.nats.micro.v1.info_response</c>.</summary>
internal sealed record InfoResponse(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string> Metadata,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("endpoints")] IReadOnlyList<EndpointInfo> Endpoints);

/// <summary>An endpoint in an INFO response.</summary>
internal sealed record EndpointInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("queue_group")] string QueueGroup,
    [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string> Metadata);

/// <summary><c>io.nats.micro.v1.stats_response</c>; <see cref="Started"/> is RFC 3339 in UTC.</summary>
internal sealed record StatsResponse(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string> Metadata,
    [property: JsonPropertyName("started")] string Started,
    [property: JsonPropertyName("endpoints")] IReadOnlyList<EndpointStats> Endpoints);

/// <summary>An endpoint in a STATS response; times in nanoseconds, the average truncated (0 without requests).</summary>
internal sealed record EndpointStats(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("queue_group")] string QueueGroup,
    [property: JsonPropertyName("num_requests")] long NumRequests,
    [property: JsonPropertyName("num_errors")] long NumErrors,
    [property: JsonPropertyName("last_error")] string LastError,
    [property: JsonPropertyName("processing_time")] long ProcessingTime,
    [property: JsonPropertyName("average_processing_time")] long AverageProcessingTime);
