using Microsoft.Extensions.Logging;

namespace GoMicro.Shared.Bus;

/// <summary>
/// Dispatches envelopes to this process's <see cref="BusHandlerRegistry"/>. Only bytes cross, so a handler can never
/// see (or mutate) the caller's objects, exactly as over NATS. A subject nobody serves fails at once with
/// <see cref="BusUnavailableReason.NoResponders"/>, as NATS 2.2+ does with its no-responders status.
/// </summary>
public sealed class InProcessBusTransport(BusHandlerRegistry registry, ILogger<InProcessBusTransport> logger) : IBusTransport
{
    /// <inheritdoc />
    public async Task<byte[]> RequestAsync(string subject, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!registry.TryGetRequestEndpoint(subject, out var endpoint))
            throw new BusUnavailableException(subject, BusUnavailableReason.NoResponders, $"no handler serves subject '{subject}'");

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            // WaitAsync bounds the wait even if a handler ignores its token.
            var reply = await endpoint.Handle(payload, timeoutSource.Token).WaitAsync(timeoutSource.Token);
            return reply!;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BusUnavailableException(subject, BusUnavailableReason.Timeout, $"no reply within {timeout.TotalMilliseconds:0} ms");
        }
    }

    /// <inheritdoc />
    public Task PublishAsync(string subject, byte[] payload, CancellationToken cancellationToken)
    {
        if (!registry.EventEndpoints.TryGetValue(subject, out var handlers)) return Task.CompletedTask;
        foreach (var handler in handlers)
        {
            // Publishers never wait for subscribers, as with NATS publish.
            _ = Task.Run(async () =>
            {
                try { await handler.Handle(payload, CancellationToken.None); }
                catch (Exception ex) { logger.LogError(ex, "Event handler for {Subject} failed", subject); }
            }, CancellationToken.None);
        }
        return Task.CompletedTask;
    }
}
