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

    /// <summary>Returns <paramref name="connectionString"/> with <see cref="DefaultMaxAutoPrepare"/> added when it names no
    /// <c>Max Auto Prepare</c> of its own (an explicit <c>Max Auto Prepare=0</c> turns automatic preparation off).</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <exception cref="ArgumentException">The connection string is malformed.</exception>
    public static string WithDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.ContainsKey("Max Auto Prepare") || given.ContainsKey("MaxAutoPrepare")) return connectionString;
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = DefaultMaxAutoPrepare }.ConnectionString;
    }
}
