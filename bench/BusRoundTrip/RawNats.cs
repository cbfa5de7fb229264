using System.Text;
using NATS.Client.Core;

namespace GoMicro.BusRoundTrip;

/// <summary>
/// The floor under the NATS transport: NATS.Net alone, one connection's plain subscription replying to another
/// connection's request-reply through nats-server with the same bytes; no envelope work, no services framework, no DI,
/// no GoMicro code. <c>bus-hop</c> (bench/run.sh) is the IModuleBus-over-NATS median divided by this row's.
/// </summary>
internal sealed class RawNats : IAsyncDisposable
{
    private const string Subject = Subjects.Echo + ".raw";
    private static readonly byte[] Request = Encoding.UTF8.GetBytes("""{"data":{"value":"ping"}}""");
    private readonly NatsConnection _responder;
    private readonly NatsConnection _requester;
    private readonly INatsSub<byte[]> _subscription;
    private readonly Task _replying;

    private RawNats(NatsConnection responder, NatsConnection requester, INatsSub<byte[]> subscription)
    {
        _responder = responder;
        _requester = requester;
        _subscription = subscription;
        _replying = Task.Run(async () =>
        {
            await foreach (var message in _subscription.Msgs.ReadAllAsync())
                await message.ReplyAsync(message.Data);
        });
    }

    public static async Task<RawNats> StartAsync(string url)
    {
        var responder = new NatsConnection(new NatsOpts { Url = url, Name = "bench-raw-responder" });
        var requester = new NatsConnection(new NatsOpts { Url = url, Name = "bench-raw-requester" });
        var subscription = await responder.SubscribeCoreAsync<byte[]>(Subject, "bench");
        await responder.PingAsync();
        await requester.ConnectAsync();
        return new RawNats(responder, requester, subscription);
    }

    public async Task CallAsync() => await _requester.RequestAsync<byte[], byte[]>(Subject, Request);

    public async ValueTask DisposeAsync()
    {
        await _subscription.UnsubscribeAsync();
        await _replying;
        await _requester.DisposeAsync();
        await _responder.DisposeAsync();
    }
}
