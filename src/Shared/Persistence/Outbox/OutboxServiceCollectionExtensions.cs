using System.Text.Json;
using GoMicro.Shared.Bus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GoMicro.Shared.Persistence.Outbox;

/// <summary>A local consumer of one outbox subject, used instead of publishing it on the bus.</summary>
/// <param name="Subject">The subject it consumes.</param>
/// <param name="Deliver">Receives the stored JSON payload, a fresh DI scope and the dispatcher's cancellation token;
/// throwing makes the dispatcher retry the message later.</param>
public sealed record OutboxHandler(string Subject, Func<string, IServiceProvider, CancellationToken, Task> Deliver);

/// <summary>Registers outbox dispatchers and handlers.</summary>
public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// Runs an <see cref="OutboxDispatcher{TContext}"/> for <typeparamref name="TContext"/>'s <c>outbox_messages</c> in this
    /// process, with <see cref="OutboxOptions"/> bound from <c>Outbox</c>. Call it where the module runs (its
    /// <c>AddServices</c>); admin commands do not start hosted services, and the running instances deliver what they write.
    /// </summary>
    /// <typeparam name="TContext">A module DbContext whose model calls <see cref="OutboxModel.AddOutbox"/>.</typeparam>
    public static IServiceCollection AddOutbox<TContext>(this IServiceCollection services, IConfiguration configuration) where TContext : DbContext
    {
        services.AddOptions<OutboxOptions>().Bind(configuration.GetSection(OutboxOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<OutboxDispatcher<TContext>>();
        return services;
    }

    /// <summary>
    /// Delivers messages of <paramref name="subject"/> to <paramref name="handler"/> in the dispatching process instead of
    /// publishing them with <see cref="IModuleBus.PublishAsync{TEvent}(string, TEvent, string, CancellationToken)"/> (e.g. a cache invalidation that has its own
    /// cross-instance channel). Several handlers may share a subject; a message is deleted once all of them succeeded.
    /// </summary>
    /// <typeparam name="TEvent">The payload type given to <see cref="OutboxModel.AddOutboxMessage{TEvent}"/>.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="subject">The subject written with <see cref="OutboxModel.AddOutboxMessage{TEvent}"/>.</param>
    /// <param name="handler">Handles one message; throwing retries it later with backoff (at-least-once: handlers must be idempotent).</param>
    public static IServiceCollection AddOutboxHandler<TEvent>(
        this IServiceCollection services, string subject, Func<TEvent, IServiceProvider, CancellationToken, Task> handler)
    {
        services.AddSingleton(new OutboxHandler(subject, (payload, provider, ct) =>
            handler(JsonSerializer.Deserialize<TEvent>(payload, BusEnvelope.JsonOptions)!, provider, ct)));
        return services;
    }
}
