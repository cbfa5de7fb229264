using System.Data.Common;
using Npgsql;

namespace GoMicro.Shared.Persistence;

/// <summary>The Npgsql settings every module's connection string gets unless it sets them itself.</summary>
public static class PostgresConnectionStrings
{
    /// <summary>
    /// <c>Max Auto Prepare</c> used when the connection string does not set it: how many statements each connection keeps
    /// prepared on the server once they have run a few times (<c>Auto Prepare Min Usages</c>, 5 by default). EF Core sends
    /// the same few parameterised statements over and over; without preparing, PostgreSQL parses and plans each one on
    /// every execution. Measured by bench/ on an authenticated request (two queries): PostgreSQL CPU per request fell
    /// from about 400 µs to about 120 µs, and throughput doubled.
    /// </summary>
    public const int DefaultMaxAutoPrepare = 20;

    /// <summary>
    /// <c>No Reset On Close</c> used when the connection string does not set it. By default Npgsql resets every pooled
    /// connection before its next use (<c>RESET ALL</c>, <c>UNLISTEN *</c>, <c>pg_advisory_unlock_all()</c>,
    /// <c>DISCARD</c>...), a round of statements that costs PostgreSQL about as much as the query that follows. Nothing in
    /// the product leaves session state on a pooled connection: no <c>SET</c>, no temporary tables, the outbox's
    /// <c>LISTEN</c> on a connection of its own outside the pool, and the migration lock released on the same
    /// connection in a <c>finally</c>; Npgsql still rolls back a transaction left open. Measured by bench/ on
    /// <c>GET /blog/list/latest</c> (32 connections): PostgreSQL CPU per request fell from about 175 µs to about 110 µs,
    /// and throughput rose by about a quarter.
    /// </summary>
    public const bool DefaultNoResetOnClose = true;

    /// <summary>
    /// <c>Maximum Pool Size</c> used when the connection string does not set it: the most connections one process opens
    /// to one module's database (its DbContext pool; the outbox's <c>LISTEN</c> connection is one more, outside it).
    /// Npgsql's own default, 100, is the whole of a default PostgreSQL server: five processes held 92 of its 100
    /// connections and the next one was refused with 53300 (issue 35). 20 is ample for a process on two cores: it serves
    /// a few thousand requests a second at well under a millisecond of database time each, some 5 queries in flight by
    /// Little's law; beyond 20 at once a request waits for a free connection (the connection string's <c>Timeout</c>,
    /// 15 s by default) and is answered 503 if none frees up (<see cref="TransientFaults"/>). The fleet's sizing rule is
    /// in docs/deploy.md ("Pool sizing").
    /// </summary>
    public const int DefaultMaxPoolSize = 20;

    /// <summary>The spellings Npgsql accepts for <c>Maximum Pool Size</c>.</summary>
    private static readonly string[] MaxPoolSizeKeys = ["Maximum Pool Size", "MaxPoolSize"];

    /// <summary>Returns <paramref name="connectionString"/> with <see cref="DefaultMaxAutoPrepare"/>,
    /// <see cref="DefaultNoResetOnClose"/> and <see cref="DefaultMaxPoolSize"/> added for whichever of them it does not
    /// set itself (an explicit <c>Max Auto Prepare=0</c> turns automatic preparation off, <c>No Reset On Close=false</c>
    /// brings the reset back, <c>Maximum Pool Size=50</c> raises the bound).</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <exception cref="ArgumentException">The connection string is malformed.</exception>
    public static string WithDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare")) builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose")) builder.NoResetOnClose = DefaultNoResetOnClose;
        if (!MaxPoolSizeKeys.Any(given.ContainsKey)) builder.MaxPoolSize = DefaultMaxPoolSize;
        return builder.ConnectionString;
    }
}
