using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GoMicro.Shared.Bus;

/// <summary>
/// Dispatches envelopes to this process's <see cref="BusHandlerRegistry"/>. Only bytes cross, so a handler can never
/// see (or mutate) the caller's objects, exactly as over NATS. A subject nobody serves fails at once with
/// <see cref="BusUnavailableReason.NoResponders"/>, as NATS 2.2+ does with its no-responders status.
/// </summary>
public sealed class InProcessBusTransport(
    BusHandlerRegistry registry, BusTelemetry telemetry, IOptions<BusOptions> options, ILogger<InProcessBusTransport> logger) : IBusTransport
{
    /// <summary><c>messaging.system</c> of this transport. The conventions list no value for an in-process bus, so it is
    /// ours; everything else about its spans and metrics is the same as over NATS.</summary>
    public const string System = "in_process";

    /// <inheritdoc />
    public string MessagingSystem => System;

    /// <inheritdoc />
    public async Task<byte[]> RequestAsync(string subject, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!registry.TryGetRequestEndpoint(subject, out var endpoint))
            throw new BusUnavailableException(subject, BusUnavailableReason.NoResponders, $"no handler serves subject '{subject}'");

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var started = Stopwatch.GetTimestamp();
        using var activity = telemetry.StartProcess(System, subject, null, null);
        string? errorType = BusTelemetry.ErrorTypes.HandlerFailed;
        try
        {
            // WaitAsync bounds the wait even if a handler ignores its token.
            var reply = await endpoint.Handle(payload, timeoutSource.Token).WaitAsync(timeoutSource.Token);
            if (telemetry.ProcessObserved) errorType = BusTelemetry.ErrorTypeOfReply(reply);
            else errorType = null;
            return reply!;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            errorType = BusTelemetry.ErrorTypes.Timeout;
            throw new BusUnavailableException(subject, BusUnavailableReason.Timeout, $"no reply within {timeout.TotalMilliseconds:0} ms");
        }
        catch (OperationCanceledException)
        {
            // The caller gave up (its request was aborted): not a failure of the handler.
            errorType = BusTelemetry.ErrorTypes.Cancelled;
            throw;
        }
        finally
        {
            telemetry.EndProcess(activity, System, subject, started, errorType);
        }
    }

    /// <inheritdoc />
    /// <remarks>The one process is every instance of every module: handlers applied once per service run here too, and
    /// the de-duplication id has nothing to drop (a re-sent event is applied again, which consumers allow). A handler
    /// applied once per service that fails (answers an error) runs again after <c>Bus:Events:RetryDelay</c> until it
    /// succeeds, as the durable consumer delivers it again over NATS; only while this process runs, as nothing stores it.</remarks>
    public Task PublishAsync(string subject, byte[] payload, string? messageId, CancellationToken cancellationToken)
    {
        // Publishers never wait for subscribers, as with NATS publish. Task.Run carries the publisher's activity, so each
        // handler's span is its child, as over NATS.
        foreach (var handler in registry.EventEndpoints.GetValueOrDefault(subject) ?? [])
            _ = Task.Run(() => DeliverAsync(subject, handler, payload), CancellationToken.None);
        foreach (var service in registry.ServiceEventEndpoints.Where(e => e.Endpoint.Subject == subject))
            _ = Task.Run(async () =>
            {
                while (!await DeliverAsync(subject, service.Endpoint, payload))
                {
                    logger.LogWarning("Event on {Subject} not applied by {Consumer}; it comes again in {RetryDelay}", subject, service.Consumer, options.Value.Events.RetryDelay);
                    await Task.Delay(options.Value.Events.RetryDelay);
                }
            }, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Runs one handler of an event; true when it applied it (no error answered, nothing thrown).</summary>
    private async Task<bool> DeliverAsync(string subject, BusEndpoint handler, byte[] payload)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = telemetry.StartProcess(System, subject, null, null);
        string? errorType = BusTelemetry.ErrorTypes.HandlerFailed;
        try
        {
            if (await handler.Handle(payload, CancellationToken.None) is not null) return false;
            errorType = null;
            return true;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Event handler for {Subject} failed", subject);
            return false;
        }
        finally { telemetry.EndProcess(activity, System, subject, started, errorType); }
    }
}
