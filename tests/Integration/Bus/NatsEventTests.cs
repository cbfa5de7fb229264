using System.Collections.Concurrent;
using System.Threading.Channels;
using GoMicro.Host.Bus.Nats;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;

namespace GoMicro.Integration.Tests.Bus;

/// <summary>Events over NATS are publish/subscribe, not requests: every instance of a service that maps an event subject
/// receives each event (cache evictions must reach every instance), and <see cref="IBusSubscriptionState"/> tells
/// consumers when events may have been missed (disconnected, or a message dropped).</summary>
public sealed class NatsEventTests
{
    private static Dictionary<string, string?> Settings() => new() { ["Bus:Nats:ReconnectWait"] = "00:00:00.200" };

    [Fact]
    public async Task One_published_event_reaches_both_instances_of_a_service_once_each()
    {
        var service = "fanout" + Guid.NewGuid().ToString("N")[..10];
        var subject = $"{service}.happened";
        var received = new ConcurrentDictionary<string, ConcurrentQueue<Note>>();
        Action<IBusHandlerRegistry> Map(string instance) => registry => registry.MapEvent<Note>(subject, (note, _) =>
        {
            received.GetOrAdd(instance, _ => new ConcurrentQueue<Note>()).Enqueue(note);
            return Task.CompletedTask;
        });
        await using var first = await BusProcess.StartAsync(Settings(), TestEnvironment.Nats, service, Map("first"));
        await using var second = await BusProcess.StartAsync(Settings(), TestEnvironment.Nats, service, Map("second"));
        await using var publisher = await BusProcess.StartAsync(Settings(), TestEnvironment.Nats, "publisher", _ => { });
        var note = new Note(Guid.NewGuid().ToString(), 1);
        var marker = new Note(Guid.NewGuid().ToString(), 2);

        await publisher.Bus.PublishAsync(subject, note);
        // A second event after it: once both have the marker, a duplicate of the first would have arrived too.
        await publisher.Bus.PublishAsync(subject, marker);

        await Eventually.HoldsAsync(() => Task.FromResult(new[] { "first", "second" }.All(i => received.TryGetValue(i, out var q) && q.Contains(marker))),
            TimeSpan.FromSeconds(10), "both instances received the events");
        Assert.All(new[] { "first", "second" }, instance => Assert.Equal(1, received[instance].Count(n => n == note)));
    }

    [Fact]
    public async Task Subscription_state_is_not_receiving_while_nats_is_down_and_moves_to_a_new_epoch_when_it_is_back()
    {
        await using var nats = await NatsServer.StartAsync();
        var subject = "state" + Guid.NewGuid().ToString("N")[..10] + ".happened";
        var received = new ConcurrentQueue<Note>();
        await using var process = await BusProcess.StartAsync(Settings(), nats.Url, "state", registry => registry.MapEvent<Note>(subject, (note, _) =>
        {
            received.Enqueue(note);
            return Task.CompletedTask;
        }));
        var state = process.Services.GetRequiredService<IBusSubscriptionState>();
        Assert.True(state.IsReceiving);
        var epoch = state.Epoch;
        Assert.True(epoch >= 1, $"epoch {epoch} after the first subscription");

        await nats.StopAsync();
        await Eventually.HoldsAsync(() => Task.FromResult(!state.IsReceiving), TimeSpan.FromSeconds(15), "the process notices that events may be missed");
        Assert.Equal(epoch, state.Epoch);
        await nats.StartAgainAsync();
        await Eventually.HoldsAsync(() => Task.FromResult(state.IsReceiving), TimeSpan.FromSeconds(15), "the process receives events again");

        Assert.True(state.Epoch > epoch, $"epoch {state.Epoch} after the gap, {epoch} before it");
        var note = new Note(Guid.NewGuid().ToString(), 1);
        await process.Bus.PublishAsync(subject, note);
        await Eventually.HoldsAsync(() => Task.FromResult(received.Contains(note)), TimeSpan.FromSeconds(10), "events flow again");
    }

    [Fact]
    public async Task A_message_the_library_drops_for_lack_of_room_moves_to_a_new_epoch_while_still_receiving()
    {
        await using var nats = await NatsServer.StartAsync();
        await using var process = await BusProcess.StartAsync(Settings(), nats.Url, "drops", _ => { });
        var state = process.Services.GetRequiredService<IBusSubscriptionState>();
        var epoch = state.Epoch;
        var connection = process.Services.GetRequiredService<NatsBusConnection>().Connection;
        var subject = "drops" + Guid.NewGuid().ToString("N")[..10] + ".happened";

        // A subscription on the process's connection with room for one message and nobody reading it: the library must
        // drop the rest, as it would for an event subscription whose reader fell behind.
        await using var stalled = await connection.SubscribeCoreAsync<byte[]>(subject,
            opts: new NatsSubOpts { ChannelOpts = new NatsSubChannelOpts { Capacity = 1, FullMode = BoundedChannelFullMode.DropNewest } });
        await connection.PingAsync();
        for (var i = 0; i < 5; i++) await connection.PublishAsync(subject, new byte[] { 1 });
        await connection.PingAsync();

        await Eventually.HoldsAsync(() => Task.FromResult(state.Epoch > epoch), TimeSpan.FromSeconds(10), "the drop counts as a gap");
        Assert.True(state.IsReceiving);
    }

    [Fact]
    public async Task The_in_process_bus_never_misses_an_event()
    {
        await using var services = BusProcess.Create(new Dictionary<string, string?>(), nats: null);

        var state = services.GetRequiredService<IBusSubscriptionState>();

        Assert.True(state.IsReceiving);
        Assert.IsType<AlwaysReceiving>(state);
    }
}
