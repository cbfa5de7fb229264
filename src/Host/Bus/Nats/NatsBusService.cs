using System.Diagnostics;
using GoMicro.Shared.Bus;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.Services;

namespace GoMicro.Host.Bus.Nats;

/// <summary>
/// Connects to NATS when the host starts and serves this process's bus subjects there: the request endpoints of the
/// <see cref="BusHandlerRegistry"/> as endpoints of a NATS micro service (NATS.Client.Services: name and version from
/// <see cref="NatsServiceIdentity"/>, the framework's default queue group <c>q</c> as the reference's goserve services
/// use, <c>$SRV.PING/INFO/STATS</c> answered by the library), and every event subject as a plain subscription, so every
/// instance receives each event, and the JetStream streams and durable consumers (<see cref="NatsEventStreams"/>). If the server is down at start-up the process starts anyway (readiness says not
/// ready, requests fail fast) and the library keeps trying. On shutdown it drains: stops the service (unsubscribing
/// its endpoints) as soon as stopping begins, lets the requests in flight finish, then drains and closes the
/// connection after the web server has finished its own requests (which may still call other services).
/// </summary>
internal sealed class NatsBusService(
    NatsBusConnection connection,
    BusHandlerRegistry registry,
    NatsServiceIdentity identity,
    NatsEventStreams streams,
    IOptions<BusOptions> options,
    BusTelemetry telemetry,
    ILogger<NatsBusService> logger) : IHostedLifecycleService, IDisposable
{
    /// <summary>The queue group of every endpoint: the micro framework's default, the one the reference's services use,
    /// so that instances of ours and of the reference share each subject's requests (api.md section 6).</summary>
    public const string QueueGroup = "q";

    private readonly CancellationTokenSource _abortHandlers = new();
    private readonly CancellationTokenSource _stopServing = new();
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<INatsSub<byte[]>> _events = [];
    private readonly List<Task> _eventLoops = [];
    private Task _registration = Task.CompletedTask;
    private Task _streams = Task.CompletedTask;
    private INatsSvcServer? _service;
    private int _inFlight;
    private volatile bool _stopping;
    private volatile bool _registered;

    /// <summary>Bus requests and events being handled right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>True while the service's endpoints are in place: connected at least once and not stopping.</summary>
    public bool IsServing => _registered && !_stopping;

    /// <summary>This instance's id in service discovery (the library's NUID), or null before the service is up.</summary>
    public string? InstanceId => _service?.GetInfo().Id;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        connection.StartConnecting();
        _registration = Task.Run(() => ServeWhenConnectedAsync(_stopServing.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Shutdown begins: take no new bus requests (the queue group sends them to other instances from now on).</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        await _stopServing.CancelAsync();
        await _registration;
        // The durable consumers stop pulling: what this instance has not acknowledged goes to another one.
        await _streams;
        if (_service is not null)
        {
            // Unsubscribes the endpoints and the $SRV subjects, then a PING round trip (when connected): after it the
            // server routes nothing more here.
            try
            {
                await _service.StopAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is NatsException or OperationCanceledException or ObjectDisposedException)
            {
                logger.LogWarning("NATS service {Service} did not stop cleanly: {Reason}", identity.Name, ex.Message);
            }
        }
        foreach (var subscription in _events)
        {
            try
            {
                await subscription.UnsubscribeAsync();
            }
            catch (Exception ex) when (ex is NatsException or ObjectDisposedException)
            {
                // Gone with the connection.
            }
        }
        connection.MarkUnsubscribed();
        logger.LogInformation("Stopped taking bus requests; {InFlight} in flight", InFlight);
    }

    /// <summary>After the web server stopped: wait for the bus requests in flight, then drain and close the connection.
    /// When the host's shutdown timeout runs out first, the remaining handlers are cancelled (their callers time out
    /// and retry idempotent subjects elsewhere).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _inFlight, 0, 0) > 0)
        {
            try
            {
                await _idle.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                logger.LogWarning("Shutdown timeout: cancelling {InFlight} bus requests still in flight", InFlight);
                await _abortHandlers.CancelAsync();
            }
        }
        await Task.WhenAll(_eventLoops);
        await connection.DisposeAsync();
        logger.LogInformation("NATS connection drained and closed");
    }

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public void Dispose()
    {
        _abortHandlers.Dispose();
        _stopServing.Dispose();
    }

    /// <summary>Once connected, registers the service and the event subscriptions, once: the library keeps them across
    /// reconnections. A failure half-way (the connection dropped again) is retried after <c>Bus:Nats:ReconnectWait</c>.</summary>
    private async Task ServeWhenConnectedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await connection.WaitForFirstConnectionAsync(cancellationToken);
            while (true)
            {
                try
                {
                    await RegisterAsync(cancellationToken);
                    // Streams and durable consumers after the plain subscriptions, in the background: JetStream being
                    // unreachable must not keep this process from serving requests (readiness says Degraded).
                    _streams = Task.Run(() => streams.RunAsync(cancellationToken), CancellationToken.None);
                    return;
                }
                catch (Exception ex) when (ex is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
                {
                    logger.LogWarning("Could not register NATS service {Service} ({Reason}); retrying", identity.Name, ex.Message);
                    await UnregisterAsync();
                    await Task.Delay(options.Value.Nats.ReconnectWait, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped before it was up.
        }
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var service = await new NatsSvcContext(connection.Connection).AddServiceAsync(
            new NatsSvcConfig(identity.Name, identity.Version)
            {
                Description = identity.Description,
                QueueGroup = QueueGroup,
                // The micro schema's metadata is an object; without any the library sends null, which tools reading
                // the io.nats.micro.v1 schema may reject.
                Metadata = new Dictionary<string, string> { ["implementation"] = "gomicro.net" },
            },
            cancellationToken);
        _service = service;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in registry.RequestEndpoints)
        {
            var name = EndpointNameOf(endpoint.Subject, names);
            await service.AddEndpointAsync<byte[]>(message => Accept(endpoint, message), name, endpoint.Subject,
                cancellationToken: cancellationToken);
        }
        foreach (var (subject, handlers) in registry.EventEndpoints)
        {
            // No queue group: every instance of every service that maps the event receives it.
            var subscription = await connection.Connection.SubscribeCoreAsync<byte[]>(subject, cancellationToken: cancellationToken);
            _events.Add(subscription);
            _eventLoops.Add(Task.Run(() => ReceiveEventsAsync(subject, handlers, subscription), CancellationToken.None));
        }
        // After the round trip the server has every SUB: what is published from now on reaches this process.
        await connection.Connection.PingAsync(cancellationToken);
        connection.MarkSubscribed();
        _registered = true;
        logger.LogInformation("Serving on NATS as service {Service} {Version} instance {Id}: {Subjects}",
            identity.Name, identity.Version, service.GetInfo().Id,
            registry.RequestEndpoints.Count == 0 ? "no subjects" : string.Join(", ", registry.RequestEndpoints.Select(e => e.Subject)));
    }

    private async Task UnregisterAsync()
    {
        if (_service is not null)
        {
            try
            {
                await _service.StopAsync();
            }
            catch (Exception ex) when (ex is NatsException or OperationCanceledException or ObjectDisposedException)
            {
            }
            _service = null;
        }
        foreach (var subscription in _events) await subscription.DisposeAsync();
        _events.Clear();
    }

    /// <summary>
    /// The endpoint name NATS service discovery shows: the subject's last token, as the reference names its endpoints
    /// (<c>auth.profile.user</c> is <c>user</c>, in the group <c>auth.profile</c>); when two subjects of this process end
    /// in the same token, the later one is named by every token after the service's, joined by <c>-</c>.
    /// </summary>
    internal static string EndpointNameOf(string subject, ISet<string> taken)
    {
        var tokens = subject.Split('.');
        var name = tokens[^1];
        if (!taken.Add(name))
        {
            name = string.Join('-', tokens.Length > 1 ? tokens[1..] : tokens);
            taken.Add(name);
        }
        return name;
    }

    /// <summary>The endpoint's handler. The library calls it for one message at a time per endpoint, so it only hands the
    /// message over and returns: requests run concurrently, as HTTP requests do.</summary>
    private ValueTask Accept(BusEndpoint endpoint, NatsSvcMsg<byte[]> message)
    {
        Interlocked.Increment(ref _inFlight);
        _ = ServeAsync(endpoint, message);
        return ValueTask.CompletedTask;
    }

    private async Task ServeAsync(BusEndpoint endpoint, NatsSvcMsg<byte[]> message)
    {
        await Task.Yield(); // off the endpoint's loop, so one slow request never holds up the next
        var started = Stopwatch.GetTimestamp();
        var payload = message.Data ?? [];
        var (traceParent, traceState) = NatsTraceHeaders.Read(message.Headers, payload);
        // A child of the caller's span; without a listener still the caller's trace, so log lines carry its trace id.
        using var activity = telemetry.StartProcess(NatsBusTransport.System, endpoint.Subject, traceParent, traceState);
        string? errorType = BusTelemetry.ErrorTypes.HandlerFailed;
        try
        {
            var reply = await endpoint.Handle(payload, _abortHandlers.Token) ?? BusEnvelope.Error(BusEnvelope.KnownError(500, BusEnvelope.InternalError));
            var error = BusEnvelope.TopLevelString(reply, "error"u8);
            if (message.ReplyTo is not null)
            {
                if (error is null)
                {
                    await message.ReplyAsync(reply);
                }
                else
                {
                    // Both forms: the Nats-Service-Error headers (and the endpoint's error counters) for NATS tools, the
                    // reference's {"error": "<status>:<text>"} body for gomicro callers.
                    var (status, text) = BusEnvelope.ParseError(error);
                    await message.ReplyErrorAsync(status ?? 500, text, reply);
                }
            }
            errorType = BusTelemetry.ErrorTypeOfReply(reply);
            logger.LogDebug("Answered {Subject} over NATS in {Elapsed:0.0} ms{Outcome}", endpoint.Subject,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, error is null ? "" : ": " + error);
        }
        catch (OperationCanceledException) when (_abortHandlers.IsCancellationRequested)
        {
            errorType = BusTelemetry.ErrorTypes.Cancelled;
            // Shutdown ran out of time: no answer, so the caller times out (and retries idempotent subjects elsewhere)
            // instead of mistaking an outage for an error text.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Bus request on {Subject} failed", endpoint.Subject);
        }
        finally
        {
            telemetry.EndProcess(activity, NatsBusTransport.System, endpoint.Subject, started, errorType);
            Completed();
        }
    }

    private async Task ReceiveEventsAsync(string subject, IReadOnlyList<BusEndpoint> handlers, INatsSub<byte[]> subscription)
    {
        try
        {
            await foreach (var message in subscription.Msgs.ReadAllAsync())
            {
                Interlocked.Add(ref _inFlight, handlers.Count);
                var payload = message.Data ?? [];
                var (traceParent, traceState) = NatsTraceHeaders.Read(message.Headers, payload);
                foreach (var handler in handlers) _ = HandleEventAsync(subject, handler, payload, traceParent, traceState);
            }
        }
        catch (Exception ex) when (ex is NatsException or ObjectDisposedException or OperationCanceledException)
        {
            // The subscription ended with the connection.
        }
    }

    private async Task HandleEventAsync(string subject, BusEndpoint handler, byte[] payload, string? traceParent, string? traceState)
    {
        await Task.Yield();
        var started = Stopwatch.GetTimestamp();
        using var activity = telemetry.StartProcess(NatsBusTransport.System, subject, traceParent, traceState);
        string? errorType = BusTelemetry.ErrorTypes.HandlerFailed;
        try
        {
            await handler.Handle(payload, _abortHandlers.Token);
            errorType = null;
        }
        catch (OperationCanceledException) when (_abortHandlers.IsCancellationRequested)
        {
            // Shutdown ran out of time; events are at-most-once.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Event handler for {Subject} failed", subject);
        }
        finally
        {
            telemetry.EndProcess(activity, NatsBusTransport.System, subject, started, errorType);
            Completed();
        }
    }

    private void Completed()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _stopping) _idle.TrySetResult();
    }
}
