using System.Collections.Concurrent;
using System.Diagnostics;
using GoMicro.Host.Bus.Nats;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Bus;

/// <summary>
/// An event applied once per service (<see cref="IBusHandlerRegistry.MapServiceEvent{TEvent}"/>) whose handler fails comes
/// again after <c>Bus:Events:RetryDelay</c> on both transports: over NATS the durable consumer's negative acknowledgement
/// (JetStream's <c>NakDelay</c>) brings it back well inside <c>Bus:Events:AckWait</c> (30 s here); in process the
/// transport runs the handler again.
/// </summary>
public sealed class ServiceEventRetryTests
{
    private const string Subject = "retried.happened";
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task Over_nats_a_service_event_that_failed_comes_again_after_the_retry_delay_not_the_ack_wait()
    {
        await using var nats = await NatsServer.StartAsync();
        var handler = new FailsOnce();
        await using var process = await BusProcess.StartAsync(Settings(), nats.Url, "retried", handler.Map);
        // The stream and the consumer are set up in the background after start.
        var streams = process.Services.GetRequiredService<NatsEventStreams>();
        await Eventually.HoldsAsync(() => Task.FromResult(streams.Attempted && streams.Problem is null), TimeSpan.FromSeconds(10), "the stream and its consumer are in place");

        await process.Bus.PublishAsync(Subject, new Note("once", 1));

        await handler.AppliedAgainAsync();
    }

    [Fact]
    public async Task In_process_a_service_event_that_failed_is_applied_again_after_the_retry_delay()
    {
        await using var services = BusProcess.Create(Settings(), nats: null);
        var handler = new FailsOnce();
        handler.Map(services.GetRequiredService<IBusHandlerRegistry>());

        await services.GetRequiredService<IModuleBus>().PublishAsync(Subject, new Note("once", 1));

        await handler.AppliedAgainAsync();
    }

    private static Dictionary<string, string?> Settings() => new()
    {
        ["Bus:Nats:ReconnectWait"] = "00:00:00.200",
        ["Bus:Events:AckWait"] = "00:00:30",
        ["Bus:Events:RetryDelay"] = RetryDelay.ToString(),
    };

    /// <summary>A service-event handler whose first run fails (throws, as the blog's does when Redis did not take its
    /// write) and whose later runs succeed; notes when each run started.</summary>
    private sealed class FailsOnce
    {
        private readonly ConcurrentQueue<long> _runs = new();

        public void Map(IBusHandlerRegistry registry)
        {
            registry.DeclareEventStream("RETRIED", "retried.>");
            registry.MapServiceEvent<Note>("RETRIED", "retried", Subject, (_, _) =>
            {
                _runs.Enqueue(Stopwatch.GetTimestamp());
                return _runs.Count == 1 ? throw new InvalidOperationException("not applied this time") : Task.CompletedTask;
            });
        }

        /// <summary>Waits (10 s at most, a third of the AckWait) for the second run, and checks it came no sooner than the
        /// retry delay after the first.</summary>
        public async Task AppliedAgainAsync()
        {
            await Eventually.HoldsAsync(() => Task.FromResult(_runs.Count >= 2), TimeSpan.FromSeconds(10), "the failed event is applied again");
            var runs = _runs.ToArray();
            var gap = Stopwatch.GetElapsedTime(runs[0], runs[1]);
            Assert.True(gap >= RetryDelay * 0.9, $"applied again after {gap.TotalMilliseconds:0} ms, before the {RetryDelay.TotalMilliseconds:0} ms retry delay");
        }
    }
}
