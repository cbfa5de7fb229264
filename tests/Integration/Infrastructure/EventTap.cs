using System.Collections.Concurrent;
using System.Text.Json;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>A test subscriber on one event subject (the <c>auth.events.*</c> as another service sees them on NATS) that keeps every event's <c>data</c>.</summary>
public sealed class EventTap : IAsyncDisposable
{
    private readonly NatsProbe _probe;
    private readonly ConcurrentQueue<JsonElement> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private EventTap(NatsProbe probe) => _probe = probe;

    /// <summary>Subscribes to <paramref name="subject"/> on the NATS server at <paramref name="url"/>; returns once the server has the subscription.</summary>
    public static async Task<EventTap> StartAsync(string url, string subject)
    {
        var tap = new EventTap(NatsProbe.Connect(url));
        var subscription = await tap._probe.Connection.SubscribeCoreAsync<byte[]>(subject, cancellationToken: tap._stop.Token);
        tap._loop = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in subscription.Msgs.ReadAllAsync(tap._stop.Token))
                    tap._events.Enqueue(JsonDocument.Parse(message.Data!).RootElement.GetProperty("data").Clone());
            }
            catch (OperationCanceledException)
            {
                // Disposed.
            }
            finally
            {
                await subscription.DisposeAsync();
            }
        });
        // A ping round trip: the server has the subscription before the test makes its change.
        await tap._probe.Connection.PingAsync();
        return tap;
    }

    /// <summary>How many events received so far match.</summary>
    public int Count(Func<JsonElement, bool> match) => _events.Count(match);

    /// <summary>Waits up to <paramref name="timeout"/> for a matching event and returns the first.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan timeout)
    {
        await Eventually.HoldsAsync(() => Task.FromResult(_events.Any(match)), timeout, "the event arrives");
        return _events.First(match);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await _probe.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>The <c>jti</c> of a token, read without verifying (the test trusts its own tokens).</summary>
    public static string TokenId(string token)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        return JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement.GetProperty("jti").GetString()!;
    }
}
