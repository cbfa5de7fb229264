using System.Diagnostics;
using GoMicro.Shared.Bus;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace GoMicro.Host.Bus.Nats;

/// <summary>
/// This process's side of the JetStream streams (ADR 32). As a publisher it creates or updates, at start and idempotently,
/// every stream its modules declare (<see cref="IBusHandlerRegistry.DeclareEventStream"/>: file storage, replicas
/// min(3, cluster size), bounded age, a duplicate window), and publishes their subjects into them with the outbox row's
/// id as <c>Nats-Msg-Id</c>, waiting for the stream's acknowledgement. As a consumer it runs one durable pull consumer per
/// (stream, module) its modules map with <see cref="IBusHandlerRegistry.MapServiceEvent{TEvent}"/>; every instance of the
/// module pulls from the same consumer, so each event is applied by one of them, and acknowledged only after it was.
/// Everything is retried in the background: a JetStream that cannot be reached makes readiness Degraded, never down.
/// </summary>
internal sealed class NatsEventStreams(
    NatsBusConnection connection,
    BusHandlerRegistry registry,
    IOptions<BusOptions> options,
    BusTelemetry telemetry,
    ILogger<NatsEventStreams> logger)
{
    private readonly EventStreamOptions _options = options.Value.Events;
    private NatsJSContext? _js;
    private volatile string? _problem;
    private volatile bool _attempted;
    private int _catchingUp;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>True when this process publishes into or consumes from any stream.</summary>
    public bool InUse => registry.EventStreams.Count > 0 || registry.ServiceEventEndpoints.Count > 0;

    /// <summary>Every stream this process publishes into or consumes from.</summary>
    public IEnumerable<string> StreamNames =>
        registry.EventStreams.Select(s => s.Name).Concat(registry.ServiceEventEndpoints.Select(e => e.Stream)).Distinct(StringComparer.Ordinal);

    /// <summary>Why the streams or consumers are not working now (names streams only), or null when they are.</summary>
    public string? Problem => _problem;

    /// <summary>False until the first attempt to set the streams and consumers up has ended, either way.</summary>
    public bool Attempted => _attempted || !InUse;

    /// <summary>True while a durable consumer still applies the events that were stored when it was set up (those
    /// published while no instance of the module ran): until then this instance would serve what they evict.</summary>
    public bool CatchingUp => Volatile.Read(ref _catchingUp) > 0;

    private NatsJSContext JetStream => _js ??= new NatsJSContext(connection.Connection);

    /// <summary>Sets up the streams, then runs the durable consumers until <paramref name="cancellationToken"/> fires,
    /// retrying after <c>Bus:Nats:ReconnectWait</c> whenever JetStream cannot be reached.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!InUse)
        {
            _problem = null;
            return;
        }
        var wait = options.Value.Nats.ReconnectWait;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                foreach (var stream in registry.EventStreams) await EnsureStreamAsync(stream, cancellationToken);
                using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var consumers = new List<Task>();
                foreach (var group in registry.ServiceEventEndpoints.GroupBy(e => (e.Stream, e.Consumer)))
                {
                    var consumer = await EnsureConsumerAsync(group.Key.Stream, group.Key.Consumer, group.Select(e => e.Endpoint.Subject).Distinct().ToList(), cancellationToken);
                    consumers.Add(ConsumeAsync(consumer, group.ToList(), round.Token));
                }
                _problem = null;
                _attempted = true;
                if (consumers.Count == 0) return;   // a publisher only: the stream is in place
                // A consumer loop ends only when its pull fails for good (the stream or consumer deleted, JetStream gone):
                // stop the others and set everything up again.
                var ended = await Task.WhenAny(consumers);
                await round.CancelAsync();
                try
                {
                    await Task.WhenAll(consumers);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The others, stopped for the new round.
                }
                if (cancellationToken.IsCancellationRequested) return;
                await ended;   // its fault, if any, is reported below
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NatsException or NatsJSException or TimeoutException or OperationCanceledException or ObjectDisposedException)
            {
                var problem = ex is NatsJSApiException { Error.Code: 404 }
                    ? $"event stream {string.Join(", ", StreamNames)} not found (created by its publisher's first start)"
                    : $"event streams {string.Join(", ", StreamNames)} unreachable";
                _attempted = true;
                if (_problem != problem) logger.LogWarning("JetStream: {Problem} ({Reason}); retrying every {Wait} ms", problem, ex.Message, wait.TotalMilliseconds);
                _problem = problem;
            }
            try
            {
                await Task.Delay(wait, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Publishes into the stream of <paramref name="subject"/> and waits for its acknowledgement; a publish whose
    /// <paramref name="messageId"/> the stream already stored is acknowledged as a duplicate and stored nowhere.</summary>
    /// <exception cref="BusUnavailableException">Not connected, no stream answered, or the stream refused the event.</exception>
    public async Task PublishAsync(string subject, byte[] payload, string? messageId, NatsHeaders? headers, CancellationToken cancellationToken)
    {
        try
        {
            var ack = await JetStream.PublishAsync(subject, payload, opts: new NatsJSPubOpts { MsgId = messageId }, headers: headers,
                cancellationToken: cancellationToken);
            // A duplicate is what de-duplication is for: the stream holds the event already, the sender's work is done
            // (the library's EnsureSuccess would throw for it).
            if (ack.Duplicate)
            {
                logger.LogInformation("Event {MessageId} on {Subject} was already in stream {Stream}: the re-send was dropped", messageId, subject, ack.Stream);
                return;
            }
            ack.EnsureSuccess();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is NatsException or NatsJSException or OperationCanceledException or ObjectDisposedException)
        {
            throw new BusUnavailableException(subject, BusUnavailableReason.NotConnected, $"the event stream did not store the event ({ex.GetType().Name})", ex);
        }
    }

    /// <summary>Asks the server for the stream's state (readiness); null when it answered, else what is wrong.</summary>
    public async Task<string?> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        foreach (var name in StreamNames)
        {
            try
            {
                await JetStream.GetStreamAsync(name, cancellationToken: limit.Token);
            }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404)
            {
                return $"event stream {name} not found (created by its publisher's first start)";
            }
            catch (Exception ex) when (ex is NatsException or NatsJSException or OperationCanceledException or ObjectDisposedException
                                       && !cancellationToken.IsCancellationRequested)
            {
                return $"event stream {name} unreachable";
            }
        }
        return null;
    }

    private async Task EnsureStreamAsync(EventStream stream, CancellationToken cancellationToken)
    {
        var replicas = _options.Replicas > 0 ? _options.Replicas : Math.Min(3, ClusterSize());
        var config = new StreamConfig(stream.Name, [stream.Subjects])
        {
            Description = "GoMicro.NET module events (ADR 32)",
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Limits,
            NumReplicas = replicas,
            MaxAge = _options.MaxAge,
            DuplicateWindow = _options.DuplicateWindow,
            Discard = StreamConfigDiscard.Old,
        };
        var info = await JetStream.CreateOrUpdateStreamAsync(config, cancellationToken);
        logger.LogInformation("JetStream stream {Stream} ({Subjects}) in place: {Replicas} replica(s), file storage, max age {MaxAge}, {Messages} message(s)",
            stream.Name, stream.Subjects, info.Info.Config.NumReplicas, _options.MaxAge, info.Info.State.Messages);
    }

    /// <summary>The servers of the cluster this connection is in, as the server tells its clients (its own URL and the
    /// others' it advertises); 1 for a server that is not in a cluster.</summary>
    private int ClusterSize()
    {
        var info = connection.Connection.ServerInfo;
        if (info is null || string.IsNullOrEmpty(info.Cluster)) return 1;
        var urls = info.ClientConnectUrls ?? [];
        return Math.Max(1, urls.Distinct(StringComparer.Ordinal).Count());
    }

    private async Task<INatsJSConsumer> EnsureConsumerAsync(string stream, string name, IReadOnlyList<string> subjects, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig(name)
        {
            Description = $"GoMicro.NET module {name}: events applied once per service (ADR 32)",
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            // A consumer created after events were stored applies them too: they are idempotent, and bounded by the stream's age.
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            AckWait = _options.AckWait,
            MaxDeliver = -1,
            // One subject: the server filters (a 2.9 server takes one filter); several: the whole stream, the rest acknowledged unread.
            FilterSubject = subjects.Count == 1 ? subjects[0] : null,
        };
        var consumer = await JetStream.CreateOrUpdateConsumerAsync(stream, config, cancellationToken);
        lock (_seen)
        {
            // The backlog found at this process's first set-up is what it must apply before it is ready.
            if (_seen.Add($"{stream}/{name}") && consumer.Info.NumPending > 0)
            {
                Interlocked.Increment(ref _catchingUp);
                _ = CaughtUpWhenAsync(consumer, cancellationToken);
            }
        }
        logger.LogInformation("JetStream durable consumer {Consumer} on {Stream} ({Subjects}): {Pending} event(s) pending",
            name, stream, string.Join(", ", subjects), consumer.Info.NumPending);
        return consumer;
    }

    /// <summary>Ends the catching-up once the consumer has nothing pending nor unacknowledged (asks every 100 ms), or after
    /// <see cref="EventStreamOptions.AckWait"/> twice, so a handler that keeps failing cannot hold the instance unready.</summary>
    private async Task CaughtUpWhenAsync(INatsJSConsumer consumer, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_options.AckWait.TotalSeconds * 2 * Stopwatch.Frequency);
        try
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(100, cancellationToken);
                try
                {
                    await consumer.RefreshAsync(cancellationToken);
                    if (consumer.Info.NumPending == 0 && consumer.Info.NumAckPending == 0) return;
                }
                catch (Exception ex) when (ex is NatsException or NatsJSException)
                {
                    // Asked again on the next round.
                }
            }
            logger.LogWarning("JetStream consumer {Consumer} has not applied its backlog within {Wait}; ready anyway", consumer.Info.Name, _options.AckWait * 2);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _catchingUp);
        }
    }

    private async Task ConsumeAsync(INatsJSConsumer consumer, IReadOnlyList<ServiceEventEndpoint> endpoints, CancellationToken cancellationToken)
    {
        var bySubject = endpoints.ToLookup(e => e.Endpoint.Subject, StringComparer.Ordinal);
        await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: cancellationToken))
        {
            var payload = message.Data ?? [];
            var (traceParent, traceState) = NatsTraceHeaders.Read(message.Headers, payload);
            var failed = false;
            foreach (var endpoint in bySubject[message.Subject])
            {
                var started = Stopwatch.GetTimestamp();
                using var activity = telemetry.StartProcess(NatsBusTransport.System, message.Subject, traceParent, traceState);
                string? errorType = BusTelemetry.ErrorTypes.HandlerFailed;
                try
                {
                    var error = await endpoint.Endpoint.Handle(payload, cancellationToken);
                    if (error is null) errorType = null;
                    else failed = true;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Stopping: not acknowledged, so another instance (or the next start) applies it.
                    return;
                }
                finally
                {
                    telemetry.EndProcess(activity, NatsBusTransport.System, message.Subject, started, errorType);
                }
            }
            if (failed)
            {
                // Acknowledged negatively: the consumer delivers it again after Bus:Events:RetryDelay, to whichever
                // instance pulls. Should the negative acknowledgement itself be lost, Bus:Events:AckWait does the same.
                logger.LogWarning("Event {Sequence} on {Subject} not applied by consumer {Consumer}; it comes again in {RetryDelay}",
                    message.Metadata?.Sequence.Stream, message.Subject, consumer.Info.Name, _options.RetryDelay);
                await message.NakAsync(new AckOpts { NakDelay = _options.RetryDelay }, cancellationToken);
                continue;
            }
            await message.AckAsync(cancellationToken: cancellationToken);
        }
    }
}
