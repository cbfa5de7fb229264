using GoMicro.Host.Bus.Nats;
using GoMicro.Integration.Tests.Bus;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GoMicro.Integration.Tests.Split;

/// <summary>Shutdown (SIGTERM) of a process that serves bus requests: it stops taking new ones at once, finishes the
/// ones in flight, and only then closes its NATS connection.</summary>
/// <remarks>Hedging is off (<see cref="UnhedgedSplitTopology"/>): these tests follow one bus request into one instance, and a
/// hedged copy of a request held on purpose would be a second one.</remarks>
public sealed class GracefulShutdownTests(UnhedgedSplitTopology topology) : IClassFixture<UnhedgedSplitTopology>
{

    [Fact]
    public async Task A_stopping_process_finishes_the_request_in_flight_and_takes_no_new_ones()
    {
        var service = "drain" + Guid.NewGuid().ToString("N")[..10];
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var responder = await BusProcess.StartAsync(Settings("00:00:05"), TestEnvironment.Nats, service, registry =>
            registry.MapRequest<Note, Note>($"{service}.work", async (note, _) =>
            {
                started.TrySetResult();
                await release.Task;
                return note with { Text = "done: " + note.Text };
            }));
        await using var patient = await BusProcess.StartAsync(Settings("00:00:30"), TestEnvironment.Nats, "caller", _ => { });
        await using var impatient = await BusProcess.StartAsync(Settings("00:00:01"), TestEnvironment.Nats, "caller", _ => { });

        var inFlight = patient.Bus.RequestAsync<Note, Note>($"{service}.work", new Note("first", 1));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stopping = responder.DisposeAsync().AsTask();
        await Eventually.HoldsAsync(() => Task.FromResult(!responder.IsServing), TimeSpan.FromSeconds(5), "the responder stopped taking requests");

        var refused = await Assert.ThrowsAsync<BusUnavailableException>(() => impatient.Bus.RequestAsync<Note, Note>($"{service}.work", new Note("second", 2)));
        Assert.False(stopping.IsCompleted, "the responder waits for its request in flight");
        release.SetResult();

        Assert.Equal("done: first", (await inFlight).Text);
        await stopping;
        Assert.Equal(service, refused.Service);
    }

    private static Dictionary<string, string?> Settings(string requestTimeout) =>
        new() { ["Bus:RequestTimeout"] = requestTimeout, ["Bus:IdempotentSubjects:0"] = "none" };

    [Fact]
    public async Task Stopping_an_auth_process_finishes_the_bus_request_it_is_handling()
    {
        var auth = await topology.StartServiceAsync("auth");
        var bus = topology.BlogHost.Services.GetRequiredService<IModuleBus>();
        var user = await TestUsers.CreateAsync(topology);
        // Hold the keystore table so that auth.authentication blocks in the database, mid-request, in whichever
        // auth instance the queue group picks.
        await using var connection = new NpgsqlConnection(topology.AuthDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE keystore IN ACCESS EXCLUSIVE MODE", connection, transaction))
            await lockTable.ExecuteNonQueryAsync();

        var request = bus.RequestAsync<Text, User>(AuthSubjects.Authentication, new Text($"Bearer {user.AccessToken}"));
        var handlers = new[] { topology.AuthHost, auth }.Select(h => h.Services.GetRequiredService<NatsBusService>()).ToArray();
        await Eventually.HoldsAsync(() => Task.FromResult(handlers.Sum(h => h.InFlight) == 1), TimeSpan.FromSeconds(10), "an auth instance is handling the request");
        var busy = new[] { topology.AuthHost, auth }.Single(h => h.Services.GetRequiredService<NatsBusService>().InFlight == 1);

        var stopping = busy.DisposeAsync().AsTask();
        await Eventually.HoldsAsync(() => Task.FromResult(!busy.Services.GetRequiredService<NatsBusService>().IsServing), TimeSpan.FromSeconds(5),
            "the busy instance stopped taking requests");
        await transaction.RollbackAsync();

        Assert.Equal(user.Id, (await request).Id);
        await stopping;
        if (busy != auth) await auth.DisposeAsync();
    }
}
