using Microsoft.Extensions.Logging;

namespace GoMicro.Shared.Bus.Nats;

/// <summary>
/// <see cref="IBusTransport"/> over NATS request-reply. A subject this process serves itself is dispatched in-process
/// (through the same <see cref="BusHandlerRegistry"/> endpoints) and never leaves the process; every other request goes
/// to NATS, where the queue group of the subject's service picks one instance. NATS failures become
/// <see cref="BusUnavailableException"/> with the matching reason, which HTTP callers answer with 503.
/// </summary>
internal sealed class NatsBusTransport(NatsConnection connection, BusHandlerRegistry registry, ILoggerFactory loggerFactory) : IBusTransport
{
    private readonly InProcessBusTransport _local = new(registry, loggerFactory.CreateLogger<InProcessBusTransport>());

    /// <inheritdoc />
    public Task<byte[]> RequestAsync(string subject, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken) =>
        registry.Serves(subject)
            ? _local.RequestAsync(subject, payload, timeout, cancellationToken)
            : RequestOverNatsAsync(subject, payload, timeout, cancellationToken);

    /// <inheritdoc />
    public Task PublishAsync(string subject, byte[] payload, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // Local subscribers get it back from NATS like everyone else, so each service's queue group sees it once.
            connection.Publish(subject, payload);
        }
        catch (NatsFailureException ex)
        {
            throw new BusUnavailableException(subject, ReasonOf(ex.Failure), ex.Message, ex);
        }
        return Task.CompletedTask;
    }

    private async Task<byte[]> RequestOverNatsAsync(string subject, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.RequestAsync(subject, payload, timeout, cancellationToken);
        }
        catch (NatsFailureException ex)
        {
            throw new BusUnavailableException(subject, ReasonOf(ex.Failure), ex.Message, ex);
        }
    }

    private static BusUnavailableReason ReasonOf(NatsFailure failure) => failure switch
    {
        NatsFailure.NoResponders => BusUnavailableReason.NoResponders,
        NatsFailure.Timeout => BusUnavailableReason.Timeout,
        _ => BusUnavailableReason.NotConnected,
    };
}
