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

    /// <summary>Returns <paramref name="connectionString"/> with <see cref="DefaultMaxAutoPrepare"/> and
    /// <see cref="DefaultNoResetOnClose"/> added for whichever of the two it does not set itself (an explicit
    /// <c>Max Auto Prepare=0</c> turns automatic preparation off, <c>No Reset On Close=false</c> brings the reset back).</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <exception cref="ArgumentException">The connection string is malformed.</exception>
    public static string WithDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare")) builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose")) builder.NoResetOnClose = DefaultNoResetOnClose;
        return builder.ConnectionString;
    }
}
