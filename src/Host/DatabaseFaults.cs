using System.Data.Common;
using GoMicro.Shared.Modularity;

namespace GoMicro.Host;

/// <summary>
/// Turns a database fault at start-up, or in an admin command, into the one line an operator needs: which connection
/// string (<c>ConnectionStrings:Auth</c>), where it points (host, port, database, user: never the password) and what the
/// server or the network said, instead of an unhandled exception's stack trace.
/// </summary>
public static class DatabaseFaults
{
    /// <summary>A <see cref="StartupException"/> for <paramref name="fault"/>, met while using <paramref name="database"/>.</summary>
    public static StartupException For(IModuleDatabase database, DbException fault, IConfiguration configuration) =>
        new($"the {database.Module} database cannot be used: {Reason(fault)}. Check {Setting(database, configuration)}.",
            ExitCodes.DependencyUnavailable, fault);

    /// <summary>A <see cref="StartupException"/> for <paramref name="fault"/>, met by an admin command that may use any of
    /// <paramref name="databases"/> (a database fault does not say which connection it came from).</summary>
    public static StartupException For(IEnumerable<IModuleDatabase> databases, DbException fault, IConfiguration configuration) =>
        new($"the database cannot be used: {Reason(fault)}. Check {string.Join(" and ", databases.Select(d => Setting(d, configuration)))}.",
            ExitCodes.DependencyUnavailable, fault);

    /// <summary>The database fault in <paramref name="exception"/> or its inner exceptions: EF Core's execution strategy
    /// wraps the provider's (<c>An exception has been raised that is likely due to a transient failure</c>).</summary>
    public static DbException? Find(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
            if (exception is DbException fault) return fault;
        return null;
    }

    /// <summary>What went wrong: the server's message with its SQLSTATE (<c>28P01: password authentication failed ...</c>),
    /// or the client's with the network's cause (<c>Failed to connect to 127.0.0.1:5433 (Connection refused)</c>).</summary>
    public static string Reason(DbException fault)
    {
        var message = FirstLine(fault.Message);
        return fault.SqlState is null && fault.InnerException is { } cause ? $"{message} ({FirstLine(cause.Message)})" : message;
    }

    /// <summary><c>ConnectionStrings:Auth (Host=db;Port=5432;Database=gomicro_auth;Username=gomicro)</c>: the key and the
    /// parts of its value that locate the database, without credentials.</summary>
    private static string Setting(IModuleDatabase database, IConfiguration configuration)
    {
        var key = $"ConnectionStrings:{database.ConnectionStringName}";
        var value = configuration.GetConnectionString(database.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(value)) return $"{key} (not set)";
        try
        {
            var parts = new DbConnectionStringBuilder { ConnectionString = value };
            string[] shown = ["Host", "Port", "Database", "Username"];
            return $"{key} ({string.Join(';', shown.Where(parts.ContainsKey).Select(p => $"{p}={parts[p]}"))})";
        }
        catch (ArgumentException)
        {
            return $"{key} (not a valid connection string)";
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim().TrimEnd('.');
}
