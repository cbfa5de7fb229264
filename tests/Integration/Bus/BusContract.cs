using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;

namespace GoMicro.Integration.Tests.Bus;

/// <summary>
/// The module bus contract, run unchanged against every transport (<see cref="InProcessBusContract"/>,
/// <see cref="NatsBusContract"/>): the same handlers, the same inputs, the same expected outputs. A module must not be
/// able to tell which transport carries its messages.
/// </summary>
public abstract class BusContract(BusContractFixture fixture)
{
    private IModuleBus Bus => fixture.Bus;
    private string Subject(string name) => fixture.Subject(name);

    [Fact]
    public async Task A_request_gets_the_responders_reply()
    {
        var reply = await Bus.RequestAsync<Note, Note>(Subject("echo"), new Note("hello", 5));

        Assert.Equal(new Note("echo: hello", 6), reply);
    }

    [Fact]
    public async Task An_error_answer_reaches_the_caller_with_its_exact_text()
    {
        var error = await Assert.ThrowsAsync<BusErrorException>(() => Bus.RequestAsync<Note, Note>(Subject("reject"), new Note("x", 1)));

        Assert.Equal("note rejected: x is too short", error.Message);
        Assert.Equal(Subject("reject"), error.Subject);
    }

    [Fact]
    public async Task A_handler_that_crashes_is_a_remote_fault_not_a_domain_error()
    {
        var fault = await Assert.ThrowsAsync<BusRemoteFaultException>(() => Bus.RequestAsync<Note, Note>(Subject("crash"), new Note("x", 1)));

        Assert.Equal(fixture.Service, fault.Service);
    }

    [Fact]
    public async Task A_handler_whose_database_is_unavailable_makes_the_request_unavailable_naming_both()
    {
        var unavailable = await Assert.ThrowsAsync<BusUnavailableException>(() => Bus.RequestAsync<Note, Note>(Subject("nodb"), new Note("x", 1)));

        Assert.Equal(BusUnavailableReason.ResponderDependencyUnavailable, unavailable.Reason);
        Assert.Equal($"{fixture.Service} service unavailable: {fixture.Service} database unavailable", unavailable.Message);
    }

    [Fact]
    public async Task A_subject_nobody_serves_is_unavailable_naming_the_service()
    {
        var unavailable = await Assert.ThrowsAsync<BusUnavailableException>(() => Bus.RequestAsync<Note, Note>(Subject("nobody"), new Note("x", 1)));

        Assert.Equal(fixture.Service, unavailable.Service);
        Assert.StartsWith($"{fixture.Service} service unavailable: ", unavailable.Message);
        // At once, from the in-process registry or the NATS server's no-responders status: never by waiting for the timeout.
        Assert.Equal(BusUnavailableReason.NoResponders, unavailable.Reason);
    }

    [Fact]
    public async Task A_reply_that_does_not_come_in_time_is_a_timeout_and_is_not_retried()
    {
        var note = new Note(Guid.NewGuid().ToString(), 1);

        var unavailable = await Assert.ThrowsAsync<BusUnavailableException>(() => Bus.RequestAsync<Note, Note>(Subject("slow"), note));

        Assert.Equal(BusUnavailableReason.Timeout, unavailable.Reason);
        Assert.Equal(fixture.Service, unavailable.Service);
        Assert.Equal(1, fixture.CallsWith(note.Text));
    }

    [Fact]
    public async Task Cancelling_the_caller_ends_the_wait_with_a_cancellation_not_a_timeout()
    {
        using var cancellation = new CancellationTokenSource();
        var request = Bus.RequestAsync<Note, Note>(Subject("slow"), new Note(Guid.NewGuid().ToString(), 1), cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
    }

    [Fact]
    public async Task A_read_only_request_without_a_reply_in_time_is_hedged_the_first_reply_wins_and_the_copy_is_counted()
    {
        if (!fixture.Hedges)
        {
            // In-process the handler runs in the caller's process: a copy would run the same code again, so none is sent.
            var alone = new Note(Guid.NewGuid().ToString(), 1);
            var timedOut = await Assert.ThrowsAsync<BusUnavailableException>(() => Bus.RequestAsync<Note, Note>(Subject("flaky"), alone));
            Assert.Equal(BusUnavailableReason.Timeout, timedOut.Reason);
            Assert.Equal(1, fixture.CallsWith(alone.Text));
            return;
        }

        var note = new Note(Guid.NewGuid().ToString(), 1);
        long hedges = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BusTelemetry.Name && instrument.Name == "gomicro.bus.client.hedges") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "messaging.destination.name" && tag.Value as string == Subject("flaky")) Interlocked.Add(ref hedges, value);
        });
        listener.Start();

        // The first call hangs for three request timeouts; a copy sent after Bus:HedgeDelay answers meanwhile.
        var reply = await Bus.RequestAsync<Note, Note>(Subject("flaky"), note);

        Assert.Equal($"second try: {note.Text}", reply.Text);
        Assert.True(fixture.CallsWith(note.Text) >= 2);
        Assert.True(Interlocked.Read(ref hedges) >= 1, "the copy is counted in gomicro.bus.client.hedges");
    }

    [Fact]
    public async Task A_large_payload_crosses_unchanged()
    {
        var text = string.Create(512 * 1024, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = (char)('a' + i % 26);
        });

        var reply = await Bus.RequestAsync<Note, Note>(Subject("echo"), new Note(text, text.Length));

        Assert.Equal("echo: " + text, reply.Text);
        Assert.Equal(text.Length + 1, reply.Size);
    }

    [Fact]
    public async Task The_callers_trace_continues_in_the_handler()
    {
        using var activity = new Activity("contract test").SetIdFormat(ActivityIdFormat.W3C).Start();

        var reply = await Bus.RequestAsync<Note, Note>(Subject("trace"), new Note("which trace?", 0));

        Assert.Equal(activity.TraceId.ToHexString(), reply.Text);
    }

    [Fact]
    public async Task A_published_event_reaches_its_subscriber()
    {
        var note = new Note(Guid.NewGuid().ToString(), 3);

        await Bus.PublishAsync(Subject("noted"), note);

        await Eventually.HoldsAsync(() => Task.FromResult(fixture.Events.Contains(note)), TimeSpan.FromSeconds(5), "the subscriber got the event");
    }
}

/// <summary>The message every contract handler takes and returns.</summary>
/// <param name="Text">Some text.</param>
/// <param name="Size">A number.</param>
public sealed record Note(string Text, int Size);

/// <summary>
/// A bus with the contract's handlers on a subject namespace of its own (<see cref="Service"/>), so runs sharing a
/// NATS server never meet. Subclasses put a transport between <see cref="Bus"/> and the handlers.
/// </summary>
public abstract class BusContractFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _calls = new();

    /// <summary>The service name: the first token of every contract subject.</summary>
    public string Service { get; } = "contract" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>True when the transport hedges read-only requests (NATS); in-process sends each request once.</summary>
    public virtual bool Hedges => true;

    /// <summary>The caller's side of the bus.</summary>
    public IModuleBus Bus { get; protected set; } = null!;

    /// <summary>Events the subscriber received.</summary>
    public ConcurrentBag<Note> Events { get; } = [];

    /// <summary>Shorter than the default, as the contract waits for timeouts on purpose, yet long enough for a loaded machine.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The contract subject <paramref name="name"/> in this fixture's namespace.</summary>
    public string Subject(string name) => $"{Service}.{name}";

    /// <summary>How many times a handler saw a request whose text is <paramref name="text"/>.</summary>
    public int CallsWith(string text) => _calls.GetValueOrDefault(text);

    /// <summary>Bus settings for both sides: the short timeout, and the one subject the contract declares read-only.</summary>
    protected Dictionary<string, string?> BusSettings() => new()
    {
        ["Bus:RequestTimeout"] = RequestTimeout.ToString(),
        ["Bus:IdempotentSubjects:0"] = Subject("flaky"),
    };

    /// <summary>The contract's handlers.</summary>
    protected void MapHandlers(IBusHandlerRegistry registry)
    {
        registry.MapRequest<Note, Note>(Subject("echo"), (note, _) => Task.FromResult(new Note("echo: " + note.Text, note.Size + 1)));
        registry.MapRequest<Note, Note>(Subject("reject"), (note, _) => throw new BusHandlerException($"note rejected: {note.Text} is too short"));
        registry.MapRequest<Note, Note>(Subject("crash"), (_, _) => throw new InvalidOperationException("the handler has a bug"));
        registry.MapRequest<Note, Note>(Subject("nodb"), (_, _) =>
        {
            // As Shared.Persistence marks a connection the database refused.
            var refused = new InvalidOperationException("53300: too many connections for database");
            DependencyFault.Mark(refused, Service + " database");
            throw new InvalidOperationException("the query failed", refused);
        });
        registry.MapRequest<Note, Note>(Subject("slow"), async (note, context) =>
        {
            _calls.AddOrUpdate(note.Text, 1, (_, n) => n + 1);
            await Task.Delay(RequestTimeout * 3, context.CancellationToken);
            return note;
        });
        registry.MapRequest<Note, Note>(Subject("flaky"), async (note, context) =>
        {
            if (_calls.AddOrUpdate(note.Text, 1, (_, n) => n + 1) == 1)
                await Task.Delay(RequestTimeout * 3, context.CancellationToken);
            return note with { Text = $"second try: {note.Text}" };
        });
        registry.MapRequest<Note, Note>(Subject("trace"), (_, _) =>
            Task.FromResult(new Note(Activity.Current?.TraceId.ToHexString() ?? "no trace", 0)));
        registry.MapEvent<Note>(Subject("noted"), (note, _) =>
        {
            Events.Add(note);
            return Task.CompletedTask;
        });
    }

    /// <inheritdoc />
    public abstract Task InitializeAsync();

    /// <inheritdoc />
    public abstract Task DisposeAsync();
}
