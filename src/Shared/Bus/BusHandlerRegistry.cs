using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GoMicro.Shared.Bus;

/// <summary>Where a module declares the subjects it serves (its side of the bus contract).</summary>
public interface IBusHandlerRegistry
{
    /// <summary>Serves request-reply on <paramref name="subject"/>. The handler runs in its own DI scope.</summary>
    /// <typeparam name="TRequest">Request message read from <c>data</c>.</typeparam>
    /// <typeparam name="TReply">Reply message written to <c>data</c>.</typeparam>
    /// <param name="subject">Explicit subject name; one handler per subject.</param>
    /// <param name="handler">Returns the reply, or throws <see cref="BusHandlerException"/> to answer
    /// <c>{"error": "&lt;status&gt;:&lt;text&gt;"}</c> (or the raw text when it has no status). Any other exception answers
    /// <c>{"error": "500:internal error"}</c> (<see cref="BusEnvelope.InternalError"/>) and is logged.</param>
    /// <exception cref="InvalidOperationException">The subject already has a request handler.</exception>
    void MapRequest<TRequest, TReply>(string subject, Func<TRequest, BusContext, Task<TReply>> handler);

    /// <summary>Subscribes to events published on <paramref name="subject"/>. Several handlers may share a subject. Every
    /// instance of every service that maps the subject receives each event (publish/subscribe, no queue group).</summary>
    /// <typeparam name="TEvent">Event message read from <c>data</c>.</typeparam>
    /// <param name="subject">Explicit subject name.</param>
    /// <param name="handler">Handles one event; exceptions are logged and dropped (events are at-most-once).</param>
    void MapEvent<TEvent>(string subject, Func<TEvent, BusContext, Task> handler);

    /// <summary>
    /// Subscribes to events on <paramref name="subject"/> that must be applied once per service, not once per instance
    /// (the shared Redis level of a cache, stored state): over NATS, by the durable JetStream consumer
    /// <paramref name="consumer"/> on <paramref name="stream"/>, which the instances of the service share, so each event
    /// reaches one of them, and one published while none runs reaches the first to start (ADR 32). In-process, as
    /// <see cref="MapEvent{TEvent}"/>. Delivery is at-least-once: the handler must be idempotent; an event whose handler
    /// throws is delivered again later.
    /// </summary>
    /// <typeparam name="TEvent">Event message read from <c>data</c>.</typeparam>
    /// <param name="stream">The JetStream stream that stores the subject, e.g. <c>AUTH_EVENTS</c> (declared by the publisher
    /// with <see cref="DeclareEventStream"/>).</param>
    /// <param name="consumer">The durable consumer's name: the consuming module's, e.g. <c>blog</c>.</param>
    /// <param name="subject">Explicit subject name, inside the stream's subjects.</param>
    /// <param name="handler">Applies one event.</param>
    void MapServiceEvent<TEvent>(string stream, string consumer, string subject, Func<TEvent, BusContext, Task> handler);

    /// <summary>Declares that this module publishes <paramref name="subjects"/> into the JetStream stream
    /// <paramref name="name"/>: over NATS the process creates or updates the stream at start and publishes those subjects
    /// into it with the publisher's de-duplication id (ADR 32). In-process it changes nothing.</summary>
    /// <param name="name">The stream's name, e.g. <c>AUTH_EVENTS</c>.</param>
    /// <param name="subjects">The stream's subject pattern, e.g. <c>auth.events.&gt;</c>.</param>
    void DeclareEventStream(string name, string subjects);
}

/// <summary>A JetStream stream a module publishes into.</summary>
/// <param name="Name">The stream's name.</param>
/// <param name="Subjects">Its subject pattern (NATS wildcards).</param>
public sealed record EventStream(string Name, string Subjects);

/// <summary>An event handler applied once per service (<see cref="IBusHandlerRegistry.MapServiceEvent{TEvent}"/>).</summary>
/// <param name="Stream">The stream that stores the subject.</param>
/// <param name="Consumer">The durable consumer's name.</param>
/// <param name="Endpoint">The handler; its reply is the envelope <c>{"error": ...}</c> when the handler failed, null otherwise.</param>
public sealed record ServiceEventEndpoint(string Stream, string Consumer, BusEndpoint Endpoint);

/// <summary>What a bus handler gets besides its message.</summary>
/// <param name="Subject">The subject the message came on.</param>
/// <param name="Services">The handler's own DI scope (a fresh one per message, like an HTTP request's).</param>
/// <param name="CancellationToken">Cancelled when the process shuts down or the transport gives up on the message.</param>
public sealed record BusContext(string Subject, IServiceProvider Services, CancellationToken CancellationToken);

/// <summary>A subject this process serves, with the raw handler transports invoke: envelope bytes in, envelope bytes out.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="IsRequest">True for request-reply, false for an event subscription.</param>
/// <param name="Handle">Reads the envelope, runs the module's handler in a new scope, and returns the reply envelope
/// (null for events). Never throws for handler failures: they become <c>{"error": ...}</c>.</param>
public sealed record BusEndpoint(string Subject, bool IsRequest, Func<ReadOnlyMemory<byte>, CancellationToken, Task<byte[]?>> Handle);

/// <summary>
/// Holds every subject this process serves. Transports read it: the in-process transport dispatches to it, the NATS
/// transport subscribes its subjects. Handlers are wrapped here once, so both transports run them identically.
/// </summary>
public sealed class BusHandlerRegistry(IServiceScopeFactory scopes, ILogger<BusHandlerRegistry> logger) : IBusHandlerRegistry
{
    private readonly Dictionary<string, BusEndpoint> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<BusEndpoint>> _events = new(StringComparer.Ordinal);
    private readonly HashSet<string> _called = new(StringComparer.Ordinal);
    private readonly List<ServiceEventEndpoint> _serviceEvents = [];
    private readonly Dictionary<string, EventStream> _streams = new(StringComparer.Ordinal);

    /// <summary>Every request-reply endpoint, for transports and service discovery.</summary>
    public IReadOnlyCollection<BusEndpoint> RequestEndpoints => _requests.Values;

    /// <summary>Every event subscription, grouped by subject.</summary>
    public IReadOnlyDictionary<string, List<BusEndpoint>> EventEndpoints => _events;

    /// <summary>Every handler applied once per service (<see cref="MapServiceEvent{TEvent}"/>).</summary>
    public IReadOnlyList<ServiceEventEndpoint> ServiceEventEndpoints => _serviceEvents;

    /// <summary>The streams this process publishes into (<see cref="DeclareEventStream"/>).</summary>
    public IReadOnlyCollection<EventStream> EventStreams => _streams.Values;

    /// <summary>The declared stream whose subjects hold <paramref name="subject"/>, or null: such a subject is published
    /// into JetStream, any other as a plain NATS message.</summary>
    public EventStream? StreamOf(string subject) =>
        _streams.Values.FirstOrDefault(s => SubjectPattern.Matches(s.Subjects, subject));

    /// <summary>Finds the local request handler of <paramref name="subject"/>.</summary>
    public bool TryGetRequestEndpoint(string subject, out BusEndpoint endpoint) => _requests.TryGetValue(subject, out endpoint!);

    /// <summary>True when this process serves <paramref name="subject"/> itself.</summary>
    public bool Serves(string subject) => _requests.ContainsKey(subject);

    /// <summary>Subjects this process will request from other processes (declared at start-up with
    /// <see cref="DeclareRemoteCall"/>), for readiness: a process whose peers are missing is degraded.</summary>
    public IReadOnlyCollection<string> RemoteCalls => _called;

    /// <summary>Declares that this process will request <paramref name="subject"/>, which another process serves.</summary>
    /// <param name="subject">The subject, e.g. <c>auth.authentication</c>.</param>
    public void DeclareRemoteCall(string subject) => _called.Add(subject);

    /// <inheritdoc />
    public void MapRequest<TRequest, TReply>(string subject, Func<TRequest, BusContext, Task<TReply>> handler)
    {
        if (_requests.ContainsKey(subject))
            throw new InvalidOperationException($"Bus subject '{subject}' already has a request handler.");
        _requests[subject] = new BusEndpoint(subject, true, (payload, ct) => HandleRequest(subject, handler, payload, ct));
    }

    /// <inheritdoc />
    public void MapEvent<TEvent>(string subject, Func<TEvent, BusContext, Task> handler)
    {
        if (!_events.TryGetValue(subject, out var list)) _events[subject] = list = [];
        list.Add(new BusEndpoint(subject, false, async (payload, ct) =>
        {
            await HandleRequest<TEvent, bool>(subject, async (message, context) =>
            {
                await handler(message, context);
                return true;
            }, payload, ct);
            return null;
        }));
    }

    /// <inheritdoc />
    public void MapServiceEvent<TEvent>(string stream, string consumer, string subject, Func<TEvent, BusContext, Task> handler)
    {
        // The reply is kept: an error envelope tells the consumer not to acknowledge, so the event comes again.
        _serviceEvents.Add(new ServiceEventEndpoint(stream, consumer, new BusEndpoint(subject, false, async (payload, ct) =>
        {
            var reply = await HandleRequest<TEvent, bool>(subject, async (message, context) =>
            {
                await handler(message, context);
                return true;
            }, payload, ct);
            return reply is not null && BusEnvelope.TopLevelString(reply, "error"u8) is not null ? reply : null;
        })));
    }

    /// <inheritdoc />
    public void DeclareEventStream(string name, string subjects) => _streams[name] = new EventStream(name, subjects);

    private async Task<byte[]?> HandleRequest<TRequest, TReply>(
        string subject, Func<TRequest, BusContext, Task<TReply>> handler, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        TRequest? request;
        string? traceParent;
        try
        {
            (request, _, traceParent) = BusEnvelope.Read<TRequest>(payload.Span);
        }
        catch (JsonException ex)
        {
            logger.LogWarning("Bus request on {Subject} has a malformed payload: {Reason}", subject, ex.Message);
            return BusEnvelope.Error(BusEnvelope.KnownError(400, "invalid message"));
        }
        if (request is null) return BusEnvelope.Error(BusEnvelope.KnownError(400, "invalid message: data is missing"));

        // A child of the caller's span: in-process the caller's activity is current; over NATS the transport made the
        // caller's trace current (BusTraceContext), and only a transport that did not falls back to the envelope's.
        using var activity = Activity.Current is null && traceParent is not null
            ? BusTraceContext.StartHandlerActivity("process " + subject, traceParent, null)
            : null;

        await using var scope = scopes.CreateAsyncScope();
        try
        {
            var reply = await handler(request, new BusContext(subject, scope.ServiceProvider, ct));
            return BusEnvelope.Data(reply);
        }
        catch (BusHandlerException ex)
        {
            return BusEnvelope.Error(ex.Status is { } status ? BusEnvelope.KnownError(status, ex.Message) : ex.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (DependencyFault.Of(ex) is { } dependency)
        {
            // Not this handler's fault and not the caller's: the caller answers 503 naming what is missing.
            logger.LogWarning("Bus handler for {Subject} failed: {Dependency} unavailable ({Reason})", subject, dependency, ex.Message);
            return BusEnvelope.Error(BusEnvelope.KnownError(503, DependencyFault.Message(dependency)));
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Bus handler for {Subject} failed", subject);
            return BusEnvelope.Error(BusEnvelope.KnownError(500, BusEnvelope.InternalError));
        }
    }
}
