using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace GoMicro.Shared.Bus;

/// <summary>
/// <see cref="IModuleBus"/> over any <see cref="IBusTransport"/>: serialises to the envelope, stamps the caller's
/// W3C <c>traceparent</c>, applies <see cref="BusOptions.RequestTimeout"/> and turns the reply back into a message or
/// a <see cref="BusErrorException"/> (status prefix stripped, api.md section 6) or <see cref="BusRemoteFaultException"/>.
/// Requests on <see cref="BusOptions.IdempotentSubjects"/> that timed out are sent once more (a Polly retry), whichever
/// transport carries them, so both transports behave the same; "no responders" and "not connected" fail at once.
/// </summary>
public sealed class ModuleBus : IModuleBus
{
    private readonly IBusTransport _transport;
    private readonly BusTelemetry _telemetry;
    private readonly BusOptions _options;
    private readonly TimeSpan _timeout;
    private readonly ResiliencePipeline _retryOnce;
    private readonly ConcurrentDictionary<string, bool> _idempotent = new(StringComparer.Ordinal);

    /// <summary>Creates the bus; retries of idempotent requests are logged as warnings.</summary>
    public ModuleBus(IBusTransport transport, BusTelemetry telemetry, IOptions<BusOptions> options, ILogger<ModuleBus> logger)
    {
        _transport = transport;
        _telemetry = telemetry;
        _options = options.Value;
        _timeout = _options.RequestTimeout;
        _retryOnce = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                // Once, at once: a queue group hands the second attempt to any instance, usually another one.
                MaxRetryAttempts = 1,
                Delay = TimeSpan.Zero,
                // Only a timeout: "no responders" and "not connected" must fail fast, and an immediate second try would
                // get the same answer.
                ShouldHandle = new PredicateBuilder().Handle<BusUnavailableException>(e => e.Reason == BusUnavailableReason.Timeout),
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is BusUnavailableException unavailable)
                        logger.LogWarning("Bus request on {Subject} got no answer ({Reason}); retrying once", unavailable.Subject, unavailable.Reason);
                    return default;
                },
            })
            .Build();
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
    public async Task PublishAsync<TEvent>(string subject, TEvent message, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = _telemetry.StartSend(_transport.MessagingSystem, subject, request: false);
        string? errorType = null;
        try
        {
            await _transport.PublishAsync(subject, BusEnvelope.Data(message, Activity.Current?.Id), cancellationToken);
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
        var reply = _idempotent.GetOrAdd(subject, _options.IsIdempotent)
            ? await _retryOnce.ExecuteAsync(
                static (state, ct) => new ValueTask<byte[]>(state.Transport.RequestAsync(state.Subject, state.Payload, state.Timeout, ct)),
                (Transport: _transport, Subject: subject, Payload: payload, Timeout: _timeout), cancellationToken)
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
}
