using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace GoMicro.Shared.Bus;

/// <summary>
/// <see cref="IModuleBus"/> over any <see cref="IBusTransport"/>: serialises to the envelope, stamps the caller's
/// W3C <c>traceparent</c>, applies <see cref="BusOptions.RequestTimeout"/> and turns the reply back into a message or
/// a <see cref="BusErrorException"/>.
/// </summary>
public sealed class ModuleBus(IBusTransport transport, IOptions<BusOptions> options) : IModuleBus
{
    private readonly TimeSpan _timeout = options.Value.RequestTimeout;

    /// <inheritdoc />
    /// <exception cref="BusRemoteFaultException">The responder's handler failed unexpectedly.</exception>
    public async Task<TReply> RequestAsync<TRequest, TReply>(string subject, TRequest request, CancellationToken cancellationToken = default)
    {
        var payload = BusEnvelope.Data(request, Activity.Current?.Id);
        var reply = await transport.RequestAsync(subject, payload, _timeout, cancellationToken);

        TReply? data;
        string? error;
        try
        {
            (data, error, _) = BusEnvelope.Read<TReply>(reply);
        }
        catch (JsonException ex)
        {
            throw new BusErrorException(subject, $"malformed reply: {ex.Message}");
        }
        if (error == BusEnvelope.InternalError) throw new BusRemoteFaultException(subject);
        if (error is not null) throw new BusErrorException(subject, error);
        return data ?? throw new BusErrorException(subject, "empty reply");
    }

    /// <inheritdoc />
    public Task PublishAsync<TEvent>(string subject, TEvent message, CancellationToken cancellationToken = default) =>
        transport.PublishAsync(subject, BusEnvelope.Data(message, Activity.Current?.Id), cancellationToken);
}
