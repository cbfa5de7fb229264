using System.Data.Common;
using System.Diagnostics;
using GoMicro.Shared.Bus;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace GoMicro.Shared.Persistence;

/// <summary>
/// How a module's database survives dropped connections and a database that is briefly away (ADR 0030): EF Core's
/// execution strategy for Npgsql retries a unit of work it owns whole, and whatever still fails because the database is
/// unreachable or refuses is marked (<see cref="DependencyFault"/>) so it is answered 503 naming the database, never 500.
/// </summary>
public static class TransientFaults
{
    /// <summary>Retries after the first attempt, at most.</summary>
    public const int MaxRetryCount = 3;

    /// <summary>No retry starts later than this after the first attempt began, so a request spends at most about this
    /// long (plus its last attempt) on retries: well inside the bus's 5 s request timeout, which a blog request's call to
    /// auth must fit in. An attempt that itself waits long (an exhausted pool waits <c>Timeout</c>, 15 s by default) is
    /// therefore not repeated.</summary>
    public static readonly TimeSpan RetryBudget = TimeSpan.FromSeconds(1);

    /// <summary>
    /// <c>UseNpgsql</c> for a module's database: the module's <see cref="ModuleExecutionStrategy"/>, the interceptors that mark
    /// a connection or transaction that fails because the database is unavailable, and
    /// <see cref="FailureLogging.LogFailuresOnlyWhereHandled"/>.
    /// </summary>
    /// <param name="options">The context's options.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="module">The module that owns the database (<c>auth</c>, <c>blog</c>): 503 answers say
    /// <c>"{module} database unavailable"</c>.</param>
    /// <param name="npgsql">Further Npgsql settings (e.g. the migrations history table).</param>
    public static DbContextOptionsBuilder UseModuleNpgsql(this DbContextOptionsBuilder options, string connectionString, string module,
        Action<NpgsqlDbContextOptionsBuilder>? npgsql = null)
    {
        var database = module + " database";
        return options
            .UseNpgsql(connectionString, o =>
            {
                o.ExecutionStrategy(dependencies => new ModuleExecutionStrategy(dependencies, database));
                npgsql?.Invoke(o);
            })
            .AddInterceptors(new UnavailableConnectionMarker(database), new UnavailableTransactionMarker(database))
            .LogFailuresOnlyWhereHandled();
    }

    /// <summary>
    /// True when <paramref name="exception"/> (or one it wraps) says the database cannot be reached or refuses this
    /// process: a connection refused, reset or timed out (including an exhausted pool), or PostgreSQL's own
    /// "go away" answers: class 08 (connection exception), 57P01 admin shutdown (<c>pg_terminate_backend</c>, a
    /// fast shutdown), 57P02 crash shutdown, 57P03 cannot connect now (starting up, in recovery) and 53300 too many
    /// connections. Contention (serialization failures, deadlocks) is transient but not "unavailable": it is retried,
    /// and what is left of it stays a 500.
    /// </summary>
    public static bool IsUnavailable(Exception? exception)
    {
        for (var depth = 0; exception is not null && depth < 16; depth++, exception = exception.InnerException)
        {
            switch (exception)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException npgsql:
                    // Not a server's answer: the socket failed, or a connect, a command or the pool timed out.
                    return npgsql.IsTransient;
            }
        }
        return false;
    }

    /// <summary>An exception filter that marks an unavailable database's failure and never catches it, so the
    /// exception goes on unchanged, with its stack.</summary>
    internal static bool MarkIfUnavailable(Exception exception, string database)
    {
        if (IsUnavailable(exception)) DependencyFault.Mark(exception, database);
        return false;
    }
}

/// <summary>
/// The module's execution strategy: Npgsql's retrying strategy (<see cref="NpgsqlRetryingExecutionStrategy"/>, which
/// retries what Npgsql calls transient: dropped connections, 57P01, too many connections, serialization failures...)
/// with three changes. It retries only a unit of work it owns whole: a query or <c>SaveChanges</c> outside any
/// transaction, or a transaction run inside <c>strategy.ExecuteAsync</c>; a statement inside a transaction the caller
/// began outside it runs once (the transaction's earlier statements are gone with the connection, so repeating one
/// statement would be wrong) instead of EF Core's refusal to run at all. Retries are quick and bounded by
/// <see cref="TransientFaults.RetryBudget"/>: at once, then after 50 and 100 ms. And before a retry after a dropped
/// connection the pool is cleared: every idle connection of the pool was most likely dropped too (a terminated
/// backend, a restarted server), and a retry on the next of them would fail the same way.
/// </summary>
public sealed class ModuleExecutionStrategy : NpgsqlRetryingExecutionStrategy
{
    private readonly string _database;
    private bool _ownsUnitOfWork;
    private long _firstAttempt;

    /// <summary>Creates the strategy for one execution.</summary>
    /// <param name="dependencies">EF Core's dependencies.</param>
    /// <param name="database">The name a 503 gives, e.g. <c>auth database</c>.</param>
    public ModuleExecutionStrategy(ExecutionStrategyDependencies dependencies, string database)
        : base(dependencies, TransientFaults.MaxRetryCount, TimeSpan.FromMilliseconds(100), errorCodesToAdd: null) =>
        _database = database;

    /// <inheritdoc />
    public override TResult Execute<TState, TResult>(TState state, Func<DbContext, TState, TResult> operation,
        Func<DbContext, TState, ExecutionResult<TResult>>? verifySucceeded)
    {
        try
        {
            return base.Execute(state, operation, verifySucceeded);
        }
        catch (Exception ex) when (TransientFaults.MarkIfUnavailable(ex, _database))
        {
            throw; // never reached: the filter only marks
        }
    }

    /// <inheritdoc />
    public override async Task<TResult> ExecuteAsync<TState, TResult>(TState state, Func<DbContext, TState, CancellationToken, Task<TResult>> operation,
        Func<DbContext, TState, CancellationToken, Task<ExecutionResult<TResult>>>? verifySucceeded, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.ExecuteAsync(state, operation, verifySucceeded, cancellationToken);
        }
        catch (Exception ex) when (TransientFaults.MarkIfUnavailable(ex, _database))
        {
            throw; // never reached: the filter only marks
        }
    }

    /// <inheritdoc />
    protected override void OnFirstExecution()
    {
        _firstAttempt = Stopwatch.GetTimestamp();
        _ownsUnitOfWork = Dependencies.CurrentContext.Context.Database.CurrentTransaction is null;
        if (_ownsUnitOfWork) base.OnFirstExecution();
        else ExceptionsEncountered.Clear();
    }

    /// <inheritdoc />
    protected override bool ShouldRetryOn(Exception? exception) => _ownsUnitOfWork && base.ShouldRetryOn(exception);

    /// <inheritdoc />
    protected override TimeSpan? GetNextDelay(Exception lastException)
    {
        var retry = ExceptionsEncountered.Count;
        if (retry > MaxRetryCount || Stopwatch.GetElapsedTime(_firstAttempt) >= TransientFaults.RetryBudget) return null;
        return retry switch { 1 => TimeSpan.Zero, 2 => TimeSpan.FromMilliseconds(50), _ => MaxRetryDelay };
    }

    /// <inheritdoc />
    protected override void OnRetry()
    {
        if (ExceptionsEncountered is not [.., var last]) return;
        // A warning, not EF Core's own Information line: a retry is a fault seen and survived, worth an operator's look.
        Dependencies.Logger.Logger.LogWarning("Retrying a unit of work on the {Database} (retry {Retry} of at most {MaxRetries}) after a transient failure: {Reason}",
            _database, ExceptionsEncountered.Count, MaxRetryCount, last.InnerException is { } inner && last is DbUpdateException ? inner.Message : last.Message);
        if (TransientFaults.IsUnavailable(last) && Dependencies.CurrentContext.Context.Database.GetDbConnection() is NpgsqlConnection connection)
            NpgsqlConnection.ClearPool(connection);
    }
}

/// <summary>Marks a connection that cannot be opened because the database is unavailable (opening happens outside the
/// execution strategy when a transaction begins or a caller opens the connection itself).</summary>
internal sealed class UnavailableConnectionMarker(string database) : DbConnectionInterceptor
{
    public override void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData) =>
        TransientFaults.MarkIfUnavailable(eventData.Exception, database);

    public override Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        TransientFaults.MarkIfUnavailable(eventData.Exception, database);
        return Task.CompletedTask;
    }
}

/// <summary>Marks a commit or rollback that fails because the database is unavailable (outside the execution strategy
/// unless the caller runs the transaction inside it).</summary>
internal sealed class UnavailableTransactionMarker(string database) : DbTransactionInterceptor
{
    public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) =>
        TransientFaults.MarkIfUnavailable(eventData.Exception, database);

    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        TransientFaults.MarkIfUnavailable(eventData.Exception, database);
        return Task.CompletedTask;
    }
}
