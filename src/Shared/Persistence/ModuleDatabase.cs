using GoMicro.Shared.Modularity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GoMicro.Shared.Persistence;

/// <summary>
/// Migrates a module's database under a PostgreSQL advisory lock, so several instances starting at once apply each
/// migration exactly once: without it, two processes racing on <c>CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory"</c>
/// can fail on PostgreSQL's catalog unique index, and both may see the same migration as pending.
/// </summary>
/// <typeparam name="TContext">The module's DbContext.</typeparam>
public abstract class ModuleDatabase<TContext>(IServiceScopeFactory scopes, ILogger logger) : IModuleDatabase where TContext : DbContext
{
    /// <inheritdoc />
    public abstract string Module { get; }

    /// <inheritdoc />
    public abstract string ConnectionStringName { get; }

    /// <summary>Advisory lock key: any constant unique to the module's database (PostgreSQL <c>pg_advisory_lock(bigint)</c>).</summary>
    protected abstract long MigrationLockKey { get; }

    /// <inheritdoc />
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        // EF Core runs the migrations on this already-open connection, so the session-level lock covers them.
        await context.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await context.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
            // EF reads the history table before creating it, which logs a failed command on a fresh database;
            // creating it first (EF's own idempotent script) keeps a first start's log clean.
            await context.Database.ExecuteSqlRawAsync(context.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken);
            await context.Database.MigrateAsync(cancellationToken);
            var applied = await context.Database.GetAppliedMigrationsAsync(cancellationToken);
            logger.LogInformation("The {Module} database has {Count} migration(s) applied, the last {Last}", Module, applied.Count(), applied.LastOrDefault());
        }
        finally
        {
            try
            {
                await context.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
            }
            catch
            {
                // The pool does not reset connections (PostgresConnectionStrings.DefaultNoResetOnClose): one still holding
                // the lock must be closed, not reused, or every other instance would wait for the lock forever.
                NpgsqlConnection.ClearPool((NpgsqlConnection)context.Database.GetDbConnection());
                throw;
            }
            finally
            {
                await context.Database.CloseConnectionAsync();
            }
        }
    }

    /// <inheritdoc />
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await SeedAsync(scope.ServiceProvider.GetRequiredService<TContext>(), cancellationToken);
    }

    /// <summary>Inserts the development data when missing; must be idempotent (e.g. <c>ON CONFLICT DO NOTHING</c>).</summary>
    protected abstract Task SeedAsync(TContext context, CancellationToken cancellationToken);
}
