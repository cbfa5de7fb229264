using Npgsql;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>A throw-away PostgreSQL database on the test server: created empty, dropped (with its connections) on dispose.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database name, <c>gomicro_{purpose}_t{random}</c>.</summary>
    public string Name { get; }

    /// <summary>Connection string for the module under test.</summary>
    public string ConnectionString { get; }

    /// <summary>Creates a new empty database.</summary>
    public static async Task<TestDatabase> CreateAsync(string purpose)
    {
        var name = $"gomicro_{purpose}_t{Guid.NewGuid():N}"[..40];
        await using (var admin = new NpgsqlConnection(TestEnvironment.PostgresAdmin))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = name };
        return new TestDatabase(name, builder.ConnectionString);
    }

    /// <summary>Runs a scalar query against this database (for assertions on stored state).</summary>
    public async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (parameterName, value) in parameters) command.Parameters.AddWithValue(parameterName, value);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)Convert.ChangeType(result, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T));
    }

    /// <summary>Drops the database. Retried a few times: while other fixtures create and drop databases at the same moment,
    /// PostgreSQL can refuse a drop for a moment (e.g. a connection still closing); a last failure is thrown with its SQLSTATE.</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var admin = new NpgsqlConnection(TestEnvironment.PostgresAdmin);
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException ex) when (attempt < 5)
            {
                Console.Error.WriteLine($"Dropping test database {Name} failed ({ex.SqlState}: {ex.MessageText}); retrying");
                await Task.Delay(200 * attempt);
            }
            catch (PostgresException ex)
            {
                throw new InvalidOperationException($"Dropping test database {Name} failed: {ex.SqlState} {ex.MessageText}", ex);
            }
        }
    }
}
