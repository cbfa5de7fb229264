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
}

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

    /// <summary>Every request-reply endpoint, for transports and service discovery.</summary>
    public IReadOnlyCollection<BusEndpoint> RequestEndpoints => _requests.Values;

    /// <summary>Every event subscription, grouped by subject.</summary>
    public IReadOnlyDictionary<string, List<BusEndpoint>> EventEndpoints => _events;

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
