using System.Text.Json;
using GoMicro.Shared.Bus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GoMicro.Shared.Persistence.Outbox;

/// <summary>
/// Delivers the rows of one module database's <c>outbox_messages</c>: published with <see cref="IModuleBus.PublishAsync{TEvent}(string, TEvent, string, CancellationToken)"/>,
/// or given to the subject's <see cref="OutboxHandler"/>s, then deleted. It wakes on the table's <c>NOTIFY</c> (a dedicated
/// <c>LISTEN</c> connection, see <see cref="OutboxModel.CreateNotifyTrigger"/>) and polls every
/// <see cref="OutboxOptions.PollInterval"/> as a fallback.
/// </summary>
/// <remarks>
/// Each round is one transaction that takes up to <see cref="OutboxOptions.BatchSize"/> due rows with
/// <c>SELECT ... FOR UPDATE SKIP LOCKED</c>, so several instances share the work and never deliver one row twice while both
/// are alive. Delivery is at-least-once: a process killed after publishing but before its commit leaves the rows for the
/// next round, so consumers must be idempotent (the events evict caches). Each row goes with <see cref="MessageIdOf"/> as
/// its de-duplication id, so a stream that already stored it drops the re-send (JetStream, ADR 32). A failed row is retried with a doubling delay
/// (<see cref="OutboxOptions.RetryDelay"/> up to <see cref="OutboxOptions.MaxRetryDelay"/>) without holding back the others.
/// </remarks>
/// <typeparam name="TContext">The module DbContext whose model has the outbox.</typeparam>
public sealed class OutboxDispatcher<TContext>(
    IServiceScopeFactory scopes,
    IModuleBus bus,
    IEnumerable<OutboxHandler> handlers,
    IOptions<OutboxOptions> options,
    TimeProvider time,
    ILogger<OutboxDispatcher<TContext>> logger) : BackgroundService where TContext : DbContext
{
    private readonly OutboxOptions _options = options.Value;
    private readonly ILookup<string, OutboxHandler> _handlers = handlers.ToLookup(h => h.Subject, StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string connectionString;
        await using (var scope = scopes.CreateAsyncScope())
            connectionString = scope.ServiceProvider.GetRequiredService<TContext>().Database.GetConnectionString()
                               ?? throw new InvalidOperationException($"{typeof(TContext).Name} has no connection string.");
        var listener = ListenAsync(connectionString, stoppingToken);
        try
        {
            await DispatchAsync(stoppingToken);
        }
        finally
        {
            await listener;
        }
    }

    private async Task DispatchAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = _options.PollInterval;
            try
            {
                var round = await RunRoundAsync(stoppingToken);
                if (round.Full) continue;
                if (round.NextRetry is { } retry && retry < wait) wait = retry;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Outbox round of {Context} failed; trying again in {Delay}", typeof(TContext).Name, wait);
            }
            try
            {
                await _wake.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<(bool Full, TimeSpan? NextRetry)> RunRoundAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        // A new row (attempts = 0) is due at once whatever the writer's clock said; retries use this process's clock.
        var batch = await db.Set<OutboxMessage>()
            .FromSql($"""
                      SELECT * FROM outbox_messages WHERE attempts = 0 OR next_attempt_at <= {now}
                      ORDER BY id LIMIT {_options.BatchSize} FOR UPDATE SKIP LOCKED
                      """)
            .ToListAsync(cancellationToken);
        if (batch.Count == 0) return (false, null);

        TimeSpan? nextRetry = null;
        var delivered = 0;
        foreach (var message in batch)
        {
            try
            {
                await DeliverAsync(message, scope.ServiceProvider, cancellationToken);
                db.Remove(message);
                delivered++;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                message.Attempts++;
                var delay = RetryDelay(message.Attempts);
                message.NextAttemptAt = now + delay;
                if (nextRetry is null || delay < nextRetry) nextRetry = delay;
                logger.LogWarning(ex, "Outbox message {Id} on {Subject} not delivered (attempt {Attempts}); retrying in {Delay}",
                    message.Id, message.Subject, message.Attempts, delay);
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogDebug("Outbox of {Context} delivered {Delivered} of {Taken} message(s)", typeof(TContext).Name, delivered, batch.Count);
        return (batch.Count == _options.BatchSize, nextRetry);
    }

    private async Task DeliverAsync(OutboxMessage message, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (_handlers.Contains(message.Subject))
        {
            foreach (var handler in _handlers[message.Subject]) await handler.Deliver(message.Payload, services, cancellationToken);
            return;
        }
        using var payload = JsonDocument.Parse(message.Payload);
        await bus.PublishAsync(message.Subject, payload.RootElement, MessageIdOf(message), cancellationToken);
    }

    /// <summary>
    /// The de-duplication id (<c>Nats-Msg-Id</c>) a row is published with, the same on every re-send of it: its identity
    /// and its creation instant, <c>{id}-{created_at in UTC ticks}</c>. The id alone names the row within its database;
    /// the instant keeps two databases' rows with the same id (a database restored or created again, another
    /// environment on the same NATS) from being taken for one another within the stream's duplicate window.
    /// </summary>
    /// <param name="message">The outbox row.</param>
    public static string MessageIdOf(OutboxMessage message) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{message.Id}-{message.CreatedAt.UtcTicks}");

    private TimeSpan RetryDelay(int attempts)
    {
        var delay = _options.RetryDelay * Math.Pow(2, Math.Min(attempts - 1, 30));
        return delay < _options.MaxRetryDelay ? delay : _options.MaxRetryDelay;
    }

    /// <summary>Holds a <c>LISTEN</c> connection and wakes the dispatcher on each notification; reconnects after a fault
    /// (the polling covers the gap, and a fresh connection wakes a round for whatever committed meanwhile).</summary>
    private async Task ListenAsync(string connectionString, CancellationToken stoppingToken)
    {
        // Its own physical connection, held for the process's lifetime: pooled connections are not reset when returned
        // (PostgresConnectionStrings.DefaultNoResetOnClose), so a pooled one would go on listening for its next user.
        // Keepalive notices a dead server instead of waiting forever.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 15 };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                connection.Notification += (_, _) => Wake();
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {OutboxModel.NotifyChannel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                Wake();
                logger.LogDebug("Outbox of {Context} listening for notifications", typeof(TContext).Name);
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Outbox of {Context} lost its LISTEN connection; polling every {Interval} until it is back",
                    typeof(TContext).Name, _options.PollInterval);
                try
                {
                    await Task.Delay(_options.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the next round sees every committed row.
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
