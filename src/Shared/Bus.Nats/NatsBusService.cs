using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GoMicro.Shared.Bus.Nats;

/// <summary>
/// Connects to NATS when the host starts and serves this process's bus subjects there: every request endpoint of the
/// <see cref="BusHandlerRegistry"/> in the queue group of its service, every event subject in this service's queue
/// group, and the <c>$SRV</c> discovery subjects. If the server is down at start-up the process starts anyway (readiness
/// says not ready, requests fail fast) and keeps trying. On shutdown it drains: stops taking bus requests as soon as
/// stopping begins, lets the requests in flight finish, then closes the connection after the web server has finished
/// its own requests (which may still call other services).
/// </summary>
internal sealed class NatsBusService(
    NatsConnection connection,
    BusHandlerRegistry registry,
    ServiceDiscovery discovery,
    IOptions<BusOptions> options,
    ILogger<NatsBusService> logger) : IHostedLifecycleService, IDisposable
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(2);
    private readonly Lock _gate = new();
    private readonly List<IDisposable> _subscriptions = [];
    private readonly CancellationTokenSource _abortHandlers = new();
    private readonly CancellationTokenSource _stopConnecting = new();
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _connecting = Task.CompletedTask;
    private int _inFlight;
    private bool _stopping;

    /// <summary>Bus requests being handled right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>True while its subscriptions are in place: connected at least once and not stopping.</summary>
    public bool IsServing
    {
        get
        {
            lock (_gate) return !_stopping && _subscriptions.Count > 0;
        }
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!TryConnectAndServe())
            _connecting = Task.Run(() => KeepConnectingAsync(_stopConnecting.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Shutdown begins: take no new bus requests (the queue groups send them to other instances from now on).</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        List<IDisposable> subscriptions;
        lock (_gate)
        {
            _stopping = true;
            subscriptions = [.. _subscriptions];
            _subscriptions.Clear();
        }
        await _stopConnecting.CancelAsync();
        foreach (var subscription in subscriptions) subscription.Dispose();
        try
        {
            // After the round trip the server has processed every UNSUB: nothing more is routed here.
            if (subscriptions.Count > 0) connection.Flush(FlushTimeout);
        }
        catch (NatsFailureException)
        {
            // Disconnected: nothing is routed here anyway.
        }
        logger.LogInformation("Stopped taking bus requests; {InFlight} in flight", InFlight);
    }

    /// <summary>After the web server stopped: wait for the bus requests in flight, then close the connection. When the
    /// host's shutdown timeout runs out first, the remaining handlers are cancelled (their callers time out and retry).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _connecting;
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
        connection.Close();
        logger.LogInformation("NATS connection closed");
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
        _stopConnecting.Dispose();
    }

    private async Task KeepConnectingAsync(CancellationToken cancellationToken)
    {
        var wait = options.Value.Nats.ReconnectWait;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (TryConnectAndServe()) return;
        }
    }

    private bool TryConnectAndServe()
    {
        lock (_gate)
        {
            if (_stopping) return true;
            try
            {
                connection.Connect();
                discovery.Start();
                foreach (var endpoint in registry.RequestEndpoints)
                    _subscriptions.Add(connection.Subscribe(endpoint.Subject, ServiceDiscovery.QueueGroupOf(endpoint.Subject), message => Accept(endpoint, message)));
                foreach (var (subject, handlers) in registry.EventEndpoints)
                    _subscriptions.Add(connection.Subscribe(subject, discovery.Identity.Name, message => AcceptEvent(subject, handlers, message)));
                foreach (var subject in discovery.Subjects)
                    _subscriptions.Add(connection.Subscribe(subject, null, AnswerDiscovery));
            }
            catch (NatsFailureException ex)
            {
                foreach (var subscription in _subscriptions) subscription.Dispose();
                _subscriptions.Clear();
                logger.LogWarning("NATS is not reachable ({Reason}); retrying every {Wait} ms. Requests to other services fail with 503 until then",
                    ex.Message, options.Value.Nats.ReconnectWait.TotalMilliseconds);
                return false;
            }
        }
        try
        {
            // Not needed for correctness (the subscriptions are sent and stay), only to log once the server has them.
            connection.Flush(FlushTimeout);
        }
        catch (NatsFailureException ex)
        {
            logger.LogWarning("NATS did not confirm the subscriptions in time ({Reason}); they stay in place", ex.Message);
        }
        logger.LogInformation("Connected to NATS at {Url} as service {Service} instance {Id}; serving {Subjects}",
            connection.Url, discovery.Identity.Name, discovery.Id,
            registry.RequestEndpoints.Count == 0 ? "no subjects" : string.Join(", ", registry.RequestEndpoints.Select(e => e.Subject)));
        return true;
    }

    private void Accept(BusEndpoint endpoint, NatsMessage message)
    {
        Interlocked.Increment(ref _inFlight);
        _ = ServeAsync(endpoint, message);
    }

    private async Task ServeAsync(BusEndpoint endpoint, NatsMessage message)
    {
        await Task.Yield(); // off the library's delivery thread, so one slow request never holds up the next
        var started = Stopwatch.GetTimestamp();
        // The caller's trace, so this side's own log lines carry its trace id too (the handler continues it as well).
        using var activity = new Activity("bus serve " + endpoint.Subject);
        if (TopLevelString(message.Data, "traceparent"u8) is { } traceParent) activity.SetParentId(traceParent);
        activity.Start();
        try
        {
            var reply = await endpoint.Handle(message.Data, _abortHandlers.Token) ?? BusEnvelope.Error("no reply");
            var error = TopLevelString(reply, "error"u8);
            discovery.Record(endpoint.Subject, started, error);
            if (message.ReplyTo is not null) connection.Respond(message.ReplyTo, reply);
            logger.LogDebug("Answered {Subject} over NATS in {Elapsed:0.0} ms{Outcome}", endpoint.Subject,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, error is null ? "" : ": " + error);
        }
        catch (OperationCanceledException) when (_abortHandlers.IsCancellationRequested)
        {
            // Shutdown ran out of time: no answer, so the caller times out (and retries idempotent subjects elsewhere)
            // instead of mistaking an outage for an error text.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Bus request on {Subject} failed", endpoint.Subject);
            discovery.Record(endpoint.Subject, started, "internal error");
        }
        finally
        {
            Completed();
        }
    }

    private void AcceptEvent(string subject, IReadOnlyList<BusEndpoint> handlers, NatsMessage message)
    {
        Interlocked.Add(ref _inFlight, handlers.Count);
        foreach (var handler in handlers) _ = HandleEventAsync(subject, handler, message.Data);
    }

    private async Task HandleEventAsync(string subject, BusEndpoint handler, byte[] payload)
    {
        await Task.Yield();
        try
        {
            await handler.Handle(payload, _abortHandlers.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_abortHandlers.IsCancellationRequested)
        {
            logger.LogError(ex, "Event handler for {Subject} failed", subject);
        }
        catch (OperationCanceledException)
        {
            // Shutdown ran out of time; events are at-most-once.
        }
        finally
        {
            Completed();
        }
    }

    private void AnswerDiscovery(NatsMessage message)
    {
        if (message.ReplyTo is not null) connection.Respond(message.ReplyTo, discovery.Answer(message.Subject));
    }

    private void Completed()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _stopping)) _idle.TrySetResult();
    }

    /// <summary>A top-level string field of an envelope (<c>error</c>, <c>traceparent</c>), or null when absent; reads
    /// property names and skips values, so the message itself is not deserialised.</summary>
    internal static string? TopLevelString(ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> name)
    {
        try
        {
            var reader = new Utf8JsonReader(envelope);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var found = reader.ValueTextEquals(name);
                reader.Read();
                if (found && reader.TokenType == JsonTokenType.String) return reader.GetString();
                reader.Skip();
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
