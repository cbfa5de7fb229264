using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;

namespace GoMicro.Integration.Tests.Bus;

/// <summary>
/// A request waiting for its reply when the NATS connection drops (the server restarts): a read-only subject
/// (<c>Bus:IdempotentSubjects</c>) is sent again on the new connection within the request's budget and answered; a
/// write is sent once and fails with "not connected" (HTTP callers answer 503), its handler having run once (ADR 32).
/// </summary>
public sealed class ReconnectResendTests : IAsyncLifetime
{
    private NatsServer _nats = null!;
    private readonly string _service = "resend" + Guid.NewGuid().ToString("N")[..10];

    public async Task InitializeAsync() => _nats = await NatsServer.StartAsync();

    public async Task DisposeAsync() => await _nats.DisposeAsync();

    private Dictionary<string, string?> Settings() => new()
    {
        ["Bus:Nats:ReconnectWait"] = "00:00:00.200",
        ["Bus:RequestTimeout"] = "00:00:20",
        ["Bus:IdempotentSubjects:0"] = $"{_service}.read",
        // One copy per attempt: the test counts the handler's runs.
        ["Bus:MaxHedges"] = "0",
    };

    [Theory]
    [InlineData("read", true)]
    [InlineData("write", false)]
    public async Task A_request_caught_by_a_server_restart_is_sent_again_only_when_read_only(string operation, bool readOnly)
    {
        var subject = $"{_service}.{operation}";
        var runs = 0;
        var firstArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var responder = await BusProcess.StartAsync(Settings(), _nats.Url, _service, registry =>
            registry.MapRequest<Note, Note>(subject, async (note, _) =>
            {
                if (Interlocked.Increment(ref runs) == 1)
                {
                    firstArrived.TrySetResult();
                    // Held until the connection it came on is gone: its reply can never reach the caller.
                    await releaseFirst.Task;
                }
                return note with { Size = note.Size + 1 };
            }));
        await using var caller = await BusProcess.StartAsync(Settings(), _nats.Url, "caller" + Guid.NewGuid().ToString("N")[..8], _ => { });

        var request = caller.Bus.RequestAsync<Note, Note>(subject, new Note("n", 1));
        await firstArrived.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await _nats.StopAsync();
        await _nats.StartAgainAsync();
        releaseFirst.TrySetResult();

        if (readOnly)
        {
            var reply = await request.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(2, reply.Size);
            Assert.Equal(2, Volatile.Read(ref runs));
        }
        else
        {
            var failure = await Assert.ThrowsAsync<BusUnavailableException>(() => request.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(BusUnavailableReason.NotConnected, failure.Reason);
            Assert.Equal(1, Volatile.Read(ref runs));
        }
    }
}
