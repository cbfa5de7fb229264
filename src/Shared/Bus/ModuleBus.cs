using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GoMicro.Shared.Bus;

/// <summary>
/// <see cref="IModuleBus"/> over any <see cref="IBusTransport"/>: serialises to the envelope, stamps the caller's
/// W3C <c>traceparent</c>, applies <see cref="BusOptions.RequestTimeout"/> and turns the reply back into a message or
/// a <see cref="BusErrorException"/> (status prefix stripped, api.md section 6) or <see cref="BusRemoteFaultException"/>.
/// Requests on <see cref="BusOptions.IdempotentSubjects"/> are hedged over NATS (<see cref="BusOptions.HedgeDelay"/>, ADR 31);
/// in-process, where the handler runs in this very process, a copy could only run the same code again, so every request
/// is sent once. "No responders" and "not connected" fail at once.
/// </summary>
public sealed class ModuleBus : IModuleBus
{
    private readonly IBusTransport _transport;
    private readonly BusTelemetry _telemetry;
    private readonly BusOptions _options;
    private readonly TimeSpan _timeout;
    private readonly ILogger<ModuleBus> _logger;
    private readonly ConcurrentDictionary<string, bool> _idempotent = new(StringComparer.Ordinal);
    /// <summary>When each read-only subject last got a reply (<see cref="Stopwatch"/> timestamps).</summary>
    private readonly ConcurrentDictionary<string, long> _lastReply = new(StringComparer.Ordinal);

    /// <summary>Creates the bus; hedged copies of read-only requests are logged at Debug and counted
    /// (<see cref="BusTelemetry.RecordHedge"/>).</summary>
    public ModuleBus(IBusTransport transport, BusTelemetry telemetry, IOptions<BusOptions> options, ILogger<ModuleBus> logger)
    {
        _transport = transport;
        _telemetry = telemetry;
        _options = options.Value;
        _timeout = _options.RequestTimeout;
        _logger = logger;
    }

    /// <inheritdoc />
    /// <exception cref="BusRemoteFaultException">The responder's handler failed unexpectedly, or its reply cannot be read.</exception>
    public async Task<TReply> RequestAsync<TRequest, TReply>(string subject, TRequest request, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        // Current from here on, so the envelope and the transport's headers carry this span as the handler's parent.
        using var activity = _telemetry.StartSend(_transport.MessagingSystem, subject, request: true);
        string? errorType = null;
        try
        {
            return await SendRequestAsync<TRequest, TReply>(subject, request, cancellationToken);
        }
        catch (Exception ex) when (ex is not BusErrorException)
        {
            errorType = BusTelemetry.ErrorTypeOf(ex);
            throw;
        }
        finally
        {
            _telemetry.EndSend(activity, _transport.MessagingSystem, subject, request: true, started, errorType);
        }
    }

    /// <inheritdoc />
    public Task PublishAsync<TEvent>(string subject, TEvent message, CancellationToken cancellationToken = default) =>
        PublishCoreAsync(subject, message, null, cancellationToken);

    /// <inheritdoc />
    public Task PublishAsync<TEvent>(string subject, TEvent message, string messageId, CancellationToken cancellationToken) =>
        PublishCoreAsync(subject, message, messageId, cancellationToken);

    private async Task PublishCoreAsync<TEvent>(string subject, TEvent message, string? messageId, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = _telemetry.StartSend(_transport.MessagingSystem, subject, request: false);
        string? errorType = null;
        try
        {
            await _transport.PublishAsync(subject, BusEnvelope.Data(message, Activity.Current?.Id), messageId, cancellationToken);
        }
        catch (Exception ex)
        {
            errorType = BusTelemetry.ErrorTypeOf(ex);
            throw;
        }
        finally
        {
            _telemetry.EndSend(activity, _transport.MessagingSystem, subject, request: false, started, errorType);
        }
    }

    private async Task<TReply> SendRequestAsync<TRequest, TReply>(string subject, TRequest request, CancellationToken cancellationToken)
    {
        var payload = BusEnvelope.Data(request, Activity.Current?.Id);
        // Not in-process: there the handler runs in this process, and a copy would only run the same code again.
        var readOnly = _transport is not InProcessBusTransport && _idempotent.GetOrAdd(subject, _options.IsIdempotent);
        var reply = readOnly
            ? await ReadOnlyRequestAsync(subject, payload, cancellationToken)
            : await _transport.RequestAsync(subject, payload, _timeout, cancellationToken);

        TReply? data;
        string? error;
        try
        {
            (data, error, _) = BusEnvelope.Read<TReply>(reply);
        }
        catch (JsonException ex)
        {
            // Not a domain answer: a reply nobody can read must never pass for "invalid key" or "not found".
            throw new BusRemoteFaultException(subject, $"malformed reply: {ex.Message}");
        }
        if (error is not null)
        {
            var (status, message) = BusEnvelope.ParseError(error);
            // 503: the responder is there but cannot serve (its database is unavailable): unavailable, not a fault.
            if (status == 503) throw new BusUnavailableException(subject, BusUnavailableReason.ResponderDependencyUnavailable, message);
            if (status >= 500 || (status is null && message == BusEnvelope.InternalError)) throw new BusRemoteFaultException(subject);
            throw new BusErrorException(subject, message, status);
        }
        return data ?? throw new BusRemoteFaultException(subject, "empty reply");
    }

    /// <summary>
    /// A hedged request ("The Tail at Scale", Dean and Barroso): the request is sent; whenever
    /// <see cref="BusOptions.HedgeDelay"/> passes without a reply, the same request is sent again, up to
    /// <see cref="BusOptions.MaxHedges"/> copies, all in flight together, and the first reply wins (the others are
    /// cancelled). Every copy waits only for what is left of the one <see cref="BusOptions.RequestTimeout"/>, so the
    /// request as a whole never waits longer than a write would, and a copy that timed out is never followed by a fresh
    /// full wait. A final answer (no responders, not connected, the caller's cancellation) ends it at once.
    /// </summary>
    /// <summary>
    /// A read-only request (<see cref="BusOptions.IdempotentSubjects"/>): hedged (<see cref="HedgedRequestAsync"/>) unless
    /// <see cref="BusOptions.MaxHedges"/> is 0, and sent again when it failed because the connection was lost or not open
    /// (a NATS node died, the client is moving to another): it waits for the reconnection and sends the request once more,
    /// as often as that happens, all within the one <see cref="BusOptions.RequestTimeout"/> (ADR 32). A read does nothing
    /// twice; a write is never sent again, so a lost connection still answers 503 for it.
    /// </summary>
    private async Task<byte[]> ReadOnlyRequestAsync(string subject, byte[] payload, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        long? noRespondersSince = null;
        var resent = false;
        while (true)
        {
            var left = _timeout - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
                throw new BusUnavailableException(subject, BusUnavailableReason.Timeout, $"no reply within {_timeout.TotalMilliseconds:0} ms");
            try
            {
                var reply = _options.MaxHedges > 0
                    ? await HedgedRequestAsync(subject, payload, left, cancellationToken)
                    : await _transport.RequestAsync(subject, payload, left, cancellationToken);
                _lastReply[subject] = Stopwatch.GetTimestamp();
                return reply;
            }
            catch (BusUnavailableException ex) when (ex.Reason == BusUnavailableReason.NoResponders && !cancellationToken.IsCancellationRequested
                                                     && RespondersMayBeMoving(subject, noRespondersSince ??= Stopwatch.GetTimestamp(), resent))
            {
                // The subject was answered a moment ago and the bus is a cluster: its instances are most likely moving
                // off a node that died. Ask again shortly, within the grace and the budget (ADR 32).
                await Task.Delay(RespondersRetryPause, cancellationToken);
            }
            catch (BusUnavailableException ex) when (ex.Reason == BusUnavailableReason.NotConnected && !cancellationToken.IsCancellationRequested)
            {
                left = _timeout - Stopwatch.GetElapsedTime(started);
                if (!await _transport.WaitUntilConnectedAsync(left, cancellationToken)) throw;
                resent = true;
                _logger.LogDebug("Bus request on {Subject} lost its connection after {Elapsed} ms; sending it again on the new one", subject,
                    (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }

    /// <summary>The pause between two requests while the responders may be moving between NATS nodes.</summary>
    private static readonly TimeSpan RespondersRetryPause = TimeSpan.FromMilliseconds(50);

    /// <summary>True while a "no responders" answer first seen at <paramref name="since"/> may be transient: the transport
    /// says responders can be moving (<see cref="IBusTransport.RespondersMoveGrace"/>: a NATS cluster, or a connection that
    /// just came back), the grace has not run out since, and either this very request was <paramref name="resent"/> after
    /// a reconnection (the responders are reconnecting too) or the subject was answered within the last
    /// <see cref="BusOptions.RequestTimeout"/> plus that grace. A subject nobody served lately (the service is not
    /// deployed, or gone for good) still fails at once.</summary>
    private bool RespondersMayBeMoving(string subject, long since, bool resent)
    {
        var grace = _transport.RespondersMoveGrace;
        if (grace <= TimeSpan.Zero || Stopwatch.GetElapsedTime(since) >= grace) return false;
        return resent || (_lastReply.TryGetValue(subject, out var last) && Stopwatch.GetElapsedTime(last, since) < _timeout + grace);
    }

    private async Task<byte[]> HedgedRequestAsync(string subject, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var copies = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new List<Task<byte[]>>(2) { _transport.RequestAsync(subject, payload, timeout, copies.Token) };
        var hedges = 0;
        BusUnavailableException? timedOut = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var left = timeout - Stopwatch.GetElapsedTime(started);
                var mayHedge = hedges < _options.MaxHedges && left > TimeSpan.Zero;
                if (inFlight.Count == 0 && !mayHedge) throw timedOut!;

                // With nothing in flight (every copy timed out early) the next copy goes at once.
                var hedgeDue = !mayHedge ? null : inFlight.Count == 0 ? Task.CompletedTask : Task.Delay(_options.HedgeDelay, copies.Token);
                var finished = await Task.WhenAny(hedgeDue is null ? inFlight : [.. inFlight, hedgeDue]);
                cancellationToken.ThrowIfCancellationRequested();
                if (finished == hedgeDue)
                {
                    hedges++;
                    _telemetry.RecordHedge(_transport.MessagingSystem, subject);
                    _logger.LogDebug("Bus request on {Subject} has no reply after {Elapsed} ms; sending copy {Hedge}", subject,
                        (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, hedges);
                    var remaining = timeout - Stopwatch.GetElapsedTime(started);
                    if (remaining > TimeSpan.Zero) inFlight.Add(_transport.RequestAsync(subject, payload, remaining, copies.Token));
                    continue;
                }

                var copy = (Task<byte[]>)finished;
                inFlight.Remove(copy);
                try
                {
                    return await copy;
                }
                catch (BusUnavailableException ex) when (ex.Reason == BusUnavailableReason.Timeout)
                {
                    // This copy's wait is over; the others (and the next copies) still may get the answer.
                    timedOut = ex;
                }
            }
        }
        finally
        {
            await copies.CancelAsync();
            // The copies that lost end with a cancellation nobody awaits: observe it.
            foreach (var copy in inFlight)
                _ = copy.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }
}
