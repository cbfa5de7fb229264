using System.Text.Json;
using GoMicro.Shared.Bus;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

namespace GoMicro.Shared.Persistence.Outbox;

/// <summary>
/// The outbox's part of a module's schema and of its writes. A module DbContext calls <see cref="AddOutbox"/> in
/// <c>OnModelCreating</c> (before <c>UseSnakeCaseColumns</c>), its migration calls <see cref="CreateNotifyTrigger"/>, and
/// its writes call <see cref="AddOutboxMessage{TEvent}"/> before <c>SaveChanges</c>.
/// </summary>
public static class OutboxModel
{
    /// <summary>The table's name.</summary>
    public const string TableName = "outbox_messages";

    /// <summary>The PostgreSQL <c>LISTEN</c>/<c>NOTIFY</c> channel the insert trigger notifies (channels are per database,
    /// so every module's database can use the same name).</summary>
    public const string NotifyChannel = "outbox_messages";

    /// <summary>Maps <see cref="OutboxMessage"/> to <c>outbox_messages</c> (<c>jsonb</c> payload, an index on
    /// <c>next_attempt_at</c> for the dispatcher's query).</summary>
    public static ModelBuilder AddOutbox(this ModelBuilder model)
    {
        model.Entity<OutboxMessage>(e =>
        {
            e.ToTable(TableName);
            e.HasKey(m => m.Id).HasName("outbox_messages_pkey");
            e.Property(m => m.Id).UseIdentityAlwaysColumn();
            e.Property(m => m.Subject).HasMaxLength(200);
            e.Property(m => m.Payload).HasColumnType("jsonb");
            e.Property(m => m.Attempts).HasColumnDefault(0);
            e.HasIndex(m => m.NextAttemptAt).HasDatabaseName("ix_outbox_messages_next_attempt_at");
        });
        return model;
    }

    /// <summary>
    /// Adds the event to <paramref name="db"/>'s change tracker: it is written by the caller's next <c>SaveChanges</c>,
    /// inside the caller's transaction when one is open (required when the change itself is an
    /// <c>ExecuteUpdate</c>/<c>ExecuteDelete</c>, which does not go through <c>SaveChanges</c>).
    /// </summary>
    /// <typeparam name="TEvent">The event's contract type; serialised as the bus serialises it.</typeparam>
    /// <param name="db">A module DbContext whose model called <see cref="AddOutbox"/>.</param>
    /// <param name="subject">The bus subject, e.g. <c>auth.events.session-ended</c>.</param>
    /// <param name="message">The event.</param>
    /// <exception cref="InvalidOperationException">The context's model has no outbox.</exception>
    public static void AddOutboxMessage<TEvent>(this DbContext db, string subject, TEvent message)
    {
        var now = DateTimeOffset.UtcNow;
        db.Set<OutboxMessage>().Add(new OutboxMessage
        {
            Subject = subject,
            Payload = JsonSerializer.Serialize(message, BusEnvelope.JsonOptions),
            CreatedAt = now,
            NextAttemptAt = now,
        });
    }

    /// <summary>
    /// Creates the statement-level <c>AFTER INSERT</c> trigger that sends <c>NOTIFY outbox_messages</c>, so running
    /// dispatchers wake as soon as a transaction that wrote an event commits (PostgreSQL delivers a notification only on
    /// commit, and never for a rolled-back transaction), whichever process wrote it, the admin commands included.
    /// </summary>
    /// <param name="migration">The migration that created the table.</param>
    public static MigrationBuilder CreateNotifyTrigger(this MigrationBuilder migration)
    {
        migration.Sql($"""
            CREATE OR REPLACE FUNCTION {TableName}_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('{NotifyChannel}', '');
                RETURN NULL;
            END $$;
            """);
        migration.Sql($"""
            CREATE TRIGGER {TableName}_notify AFTER INSERT ON {TableName}
                FOR EACH STATEMENT EXECUTE FUNCTION {TableName}_notify();
            """);
        return migration;
    }

    /// <summary>Drops what <see cref="CreateNotifyTrigger"/> created (a migration's <c>Down</c>).</summary>
    /// <param name="migration">The migration being reverted.</param>
    public static MigrationBuilder DropNotifyTrigger(this MigrationBuilder migration)
    {
        migration.Sql($"DROP TRIGGER IF EXISTS {TableName}_notify ON {TableName};");
        migration.Sql($"DROP FUNCTION IF EXISTS {TableName}_notify();");
        return migration;
    }
}
