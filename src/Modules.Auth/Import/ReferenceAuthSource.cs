using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace GoMicro.Modules.Auth.Import;

/// <summary>A row of the reference's <c>users</c> table; every column but the id may be null there.</summary>
internal sealed record SourceUser(Guid Id, string? Email, string? Password, string? Name, string? ProfilePicUrl, bool? Verified,
    bool? Status, DateTime? CreatedAt, DateTime? UpdatedAt);

/// <summary>A row of the reference's <c>api_keys</c> table.</summary>
internal sealed record SourceApiKey(Guid Id, string? Key, string[]? Permissions, string[]? Comments, int? Version, bool? Status,
    DateTime? CreatedAt, DateTime? UpdatedAt);

/// <summary>The source database could not be read; the message is for the operator and names no internals.</summary>
internal sealed class SourceDatabaseException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Reads a gomicro auth database (PostgreSQL) through its own tables and columns, as the reference's migrations create
/// them: <c>users(id, email, password, name, profile_pic_url, verified, status, created_at, updated_at)</c>,
/// <c>roles(id, code, status, …)</c>, <c>user_roles(user_id, role_id)</c> and <c>api_keys(id, key, permissions,
/// comments, version, status, created_at, updated_at)</c>; its <c>keystore</c> (sessions) is not read, since its
/// tokens are signed by the reference's key. Users and keys are read in id order, a page at a time, so any size fits in
/// memory. Only reads: nothing in the source changes.
/// </summary>
internal sealed class ReferenceAuthSource : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;

    private ReferenceAuthSource(NpgsqlConnection connection) => _connection = connection;

    /// <summary>Connects to the source database.</summary>
    /// <exception cref="SourceDatabaseException">It cannot be reached or refuses the credentials.</exception>
    public static async Task<ReferenceAuthSource> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return new ReferenceAuthSource(connection);
        }
        catch (Exception ex) when (ex is DbException or TimeoutException)
        {
            await connection.DisposeAsync();
            throw Describe(ex);
        }
    }

    /// <summary>Every role's code by its id.</summary>
    public Task<Dictionary<Guid, string>> RolesAsync(CancellationToken cancellationToken) => ReadAsync(async () =>
    {
        await using var command = new NpgsqlCommand("SELECT id, code FROM roles ORDER BY code", _connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var roles = new Dictionary<Guid, string>();
        while (await reader.ReadAsync(cancellationToken)) roles[reader.GetGuid(0)] = reader.GetString(1);
        return roles;
    });

    /// <summary>Up to <paramref name="limit"/> users with an id after <paramref name="after"/> (null: from the first).</summary>
    public Task<List<SourceUser>> UsersAfterAsync(Guid? after, int limit, CancellationToken cancellationToken) => ReadAsync(async () =>
    {
        await using var command = Page(
            "SELECT id, email, password, name, profile_pic_url, verified, status, created_at, updated_at FROM users", after, limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var users = new List<SourceUser>();
        while (await reader.ReadAsync(cancellationToken))
            users.Add(new SourceUser(reader.GetGuid(0), Text(reader, 1), Text(reader, 2), Text(reader, 3), Text(reader, 4),
                Value<bool>(reader, 5), Value<bool>(reader, 6), Value<DateTime>(reader, 7), Value<DateTime>(reader, 8)));
        return users;
    });

    /// <summary>The role ids of each of <paramref name="users"/> that has any.</summary>
    public Task<ILookup<Guid, Guid>> RolesOfAsync(IReadOnlyCollection<Guid> users, CancellationToken cancellationToken) => ReadAsync(async () =>
    {
        await using var command = new NpgsqlCommand("SELECT user_id, role_id FROM user_roles WHERE user_id = ANY(@users)", _connection);
        command.Parameters.Add(new NpgsqlParameter("users", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = users.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var links = new List<(Guid User, Guid Role)>();
        while (await reader.ReadAsync(cancellationToken)) links.Add((reader.GetGuid(0), reader.GetGuid(1)));
        return links.ToLookup(l => l.User, l => l.Role);
    });

    /// <summary>Up to <paramref name="limit"/> API keys with an id after <paramref name="after"/> (null: from the first).</summary>
    public Task<List<SourceApiKey>> ApiKeysAfterAsync(Guid? after, int limit, CancellationToken cancellationToken) => ReadAsync(async () =>
    {
        await using var command = Page("SELECT id, key, permissions, comments, version, status, created_at, updated_at FROM api_keys", after, limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<SourceApiKey>();
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(new SourceApiKey(reader.GetGuid(0), Text(reader, 1), Array(reader, 2), Array(reader, 3), Value<int>(reader, 4),
                Value<bool>(reader, 5), Value<DateTime>(reader, 6), Value<DateTime>(reader, 7)));
        return keys;
    });

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private NpgsqlCommand Page(string select, Guid? after, int limit)
    {
        var command = new NpgsqlCommand($"{select} WHERE @after IS NULL OR id > @after ORDER BY id LIMIT @limit", _connection);
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Uuid) { Value = after is { } id ? id : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit });
        return command;
    }

    private static string? Text(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private static T? Value<T>(DbDataReader reader, int column) where T : struct =>
        reader.IsDBNull(column) ? null : reader.GetFieldValue<T>(column);

    private static string[]? Array(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetFieldValue<string[]>(column);

    private static async Task<T> ReadAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception ex) when (ex is DbException or TimeoutException or InvalidCastException)
        {
            throw Describe(ex);
        }
    }

    /// <summary>The operator's version of a failure: what to fix, without the driver's text.</summary>
    private static SourceDatabaseException Describe(Exception ex) => new(ex switch
    {
        PostgresException { SqlState: "28P01" or "28000" } => "the source database refused the user name or password",
        PostgresException { SqlState: "3D000" } => "the source database does not exist",
        PostgresException { SqlState: "42P01" or "42703" } or InvalidCastException =>
            "the source database does not have the reference's auth tables (users, roles, user_roles, api_keys with their columns)",
        PostgresException { SqlState: "42501" } => "the source database's user may not read the auth tables",
        PostgresException => "the source database refused a query",
        _ => "could not connect to the source database",
    }, ex);
}
