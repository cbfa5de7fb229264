using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Modularity;
using Npgsql;

namespace GoMicro.Integration.Tests.Import;

/// <summary>
/// <c>import users CONNECTION-STRING</c> against a gomicro-shaped auth database on the test PostgreSQL server, created
/// here with the reference's table and column names: users, their roles and the API keys come in with their ids, an
/// imported user signs in with their old bcrypt password (and the hash is ours from then on), their blogs follow with
/// <c>import blogs</c>, a second run changes nothing, and bad rows are rejected with their reason.
/// </summary>
public sealed class ImportUsersTests(MonolithTopology topology) : IClassFixture<MonolithTopology>
{
    /// <summary>bcrypt of <see cref="OldPassword"/> at cost 5 in Go's <c>$2a$</c> form, made by libxcrypt (Perl's
    /// <c>crypt</c>), not by the library the product verifies it with.</summary>
    private const string OldHash = "$2a$05$Wq0xTn5sYhJkLm3PqR7uVeGTR3NAAJ.urxgxZcmeNT9lqqvtG1/HK";
    private const string OldPassword = "old-secret-1";

    [Fact]
    public async Task A_reference_data_set_comes_in_and_an_imported_user_signs_in_with_the_old_password()
    {
        await using var source = await ReferenceAuthDatabase.CreateAsync();
        var alice = Guid.NewGuid();
        var aliceEmail = $"Alice.{Guid.NewGuid():N}@Example.com";
        var nopass = Guid.NewGuid();
        var key = "REF" + Guid.NewGuid().ToString("N").ToUpperInvariant();
        var keyId = Guid.NewGuid();
        await source.ExecuteAsync($"""
            INSERT INTO users (id, name, email, password, profile_pic_url, verified, status, created_at, updated_at) VALUES
              ('{alice}', 'Alice', '{aliceEmail}', '{OldHash}', 'https://example.com/a.png', true, true, '2024-05-01 08:00:00', '2024-06-01 09:00:00'),
              ('{nopass}', 'No Password', 'nopass-{Guid.NewGuid():N}@example.com', NULL, NULL, NULL, NULL, '2024-05-02 08:00:00', '2024-05-02 08:00:00');
            INSERT INTO user_roles (user_id, role_id) SELECT '{alice}', id FROM roles WHERE code IN ('LEARNER', 'AUTHOR');
            INSERT INTO api_keys (id, key, permissions, comments, version, status, created_at, updated_at)
              VALUES ('{keyId}', '{key}', ARRAY['GENERAL'], ARRAY['vendor xyz'], 1, true, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
                     ('{Guid.NewGuid()}', '{DevelopmentSeed.ApiKey}', ARRAY['GENERAL'], NULL, 1, true, '2024-01-01 00:00:00', '2024-01-01 00:00:00');
            """);

        var (exitCode, output) = await topology.AuthHost.RunCommandAsync("import", "users", source.ConnectionString);

        Assert.True(exitCode == 0, output);
        Assert.Contains("roles: 0 imported, 4 skipped (already present), 0 rejected", output);
        Assert.Contains("users: 2 imported, 0 skipped (already present), 0 rejected", output);
        Assert.Contains("user roles: 2 imported, 0 skipped (already present), 0 rejected", output);
        // The reference's development key is ours too (the seed), so it is already present.
        Assert.Contains("api keys: 1 imported, 1 skipped (already present), 0 rejected", output);
        (await topology.Auth.SendAsync(HttpMethod.Get, "/auth/verify/apikey", apiKey: key)).ShouldSucceed();
        Assert.Equal(keyId, await topology.AuthDatabase.ScalarAsync<Guid>("SELECT id FROM api_keys WHERE key = @k", ("k", key)));

        var stampBefore = await ChangeStampAsync();
        var (again, againOutput) = await topology.AuthHost.RunCommandAsync("import", "users", source.ConnectionString);
        Assert.True(again == 0, againOutput);
        Assert.Contains("users: 0 imported, 2 skipped (already present), 0 rejected", againOutput);
        Assert.Contains("user roles: 0 imported, 2 skipped (already present), 0 rejected", againOutput);
        Assert.Contains("api keys: 0 imported, 2 skipped (already present), 0 rejected", againOutput);
        Assert.Equal(stampBefore, await ChangeStampAsync());

        // Done-when of issue 16: the imported user signs in with the old password, under the old id and roles.
        (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email = aliceEmail, password = "wrong-password" }))
            .ShouldFail(HttpStatusCode.Unauthorized, "wrong password");
        var signIn = (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email = aliceEmail, password = OldPassword })).ShouldSucceed();
        var user = signIn.Data.GetProperty("user");
        Assert.Equal(alice, user.GetProperty("id").GetGuid());
        Assert.Equal(aliceEmail.ToLowerInvariant(), user.GetProperty("email").GetString());
        Assert.Equal(["AUTHOR", "LEARNER"], user.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("code").GetString()).Order());
        // Rehashed into ours at once: the bcrypt hash is gone, and the password still works against the new hash.
        var hash = await topology.AuthDatabase.ScalarAsync<string>("SELECT password_hash FROM users WHERE id = @id", ("id", alice));
        Assert.DoesNotContain("$2", hash);
        Assert.Equal(0x01, Convert.FromBase64String(hash!)[0]);
        (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email = aliceEmail, password = OldPassword })).ShouldSucceed();

        // Their blogs follow, with the author they had.
        var blog = ReferenceBlog.PublishedBy(alice);
        var file = Path.Combine(Path.GetTempPath(), $"gomicro-import-{Guid.NewGuid():N}.json");
        try
        {
            await File.WriteAllTextAsync(file, ReferenceBlogExport.Lines([blog]));
            var (blogsExit, blogsOutput) = await topology.BlogHost.RunCommandAsync("import", "blogs", file);
            Assert.True(blogsExit == 0, blogsOutput);
        }
        finally
        {
            File.Delete(file);
        }
        var read = (await topology.Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldSucceed().Data;
        Assert.Equal("Alice", read.GetProperty("author").GetProperty("name").GetString());
        Assert.Equal("https://example.com/a.png", read.GetProperty("author").GetProperty("profilePicUrl").GetString());

        // A user who had no password comes in, and no password signs them in.
        var noPassEmail = await topology.AuthDatabase.ScalarAsync<string>("SELECT email FROM users WHERE id = @id", ("id", nopass));
        (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email = noPassEmail, password = "anything-at-all" }))
            .ShouldFail(HttpStatusCode.Unauthorized, "wrong password");
    }

    [Fact]
    public async Task Bad_rows_are_rejected_with_their_reason_and_the_rest_comes_in()
    {
        var existing = await TestUsers.CreateAsync(topology);
        await using var source = await ReferenceAuthDatabase.CreateAsync();
        var good = Guid.NewGuid();
        var taken = Guid.NewGuid();
        var plain = Guid.NewGuid();
        await source.ExecuteAsync($"""
            INSERT INTO roles (code) VALUES ('REVIEWER');
            INSERT INTO users (id, name, email, password) VALUES
              ('{good}', 'Good', 'good-{Guid.NewGuid():N}@example.com', '{OldHash}'),
              ('{taken}', 'Taken', '{existing.Email.ToUpperInvariant()}', '{OldHash}'),
              ('{plain}', 'Plain', 'plain-{Guid.NewGuid():N}@example.com', 'not-a-hash');
            INSERT INTO user_roles (user_id, role_id) SELECT '{good}', id FROM roles WHERE code IN ('AUTHOR', 'REVIEWER');
            INSERT INTO user_roles (user_id, role_id) SELECT '{taken}', id FROM roles WHERE code = 'LEARNER';
            """);

        var (exitCode, output) = await topology.AuthHost.RunCommandAsync("import", "users", source.ConnectionString, "--batch-size", "2");

        Assert.Equal(1, exitCode);
        Assert.Contains("rejected role REVIEWER: not one of LEARNER, AUTHOR, EDITOR, ADMIN", output);
        Assert.Contains($"rejected user {taken}: email '{existing.Email}' already belongs to another user", output);
        Assert.Contains($"rejected user {plain}: the password is not a bcrypt hash", output);
        Assert.Contains($"rejected a role link of user {good}:", output);
        Assert.Contains($"rejected 1 role link(s) of user {taken}: the user was not imported", output);
        Assert.Contains("roles: 0 imported, 4 skipped (already present), 1 rejected", output);
        Assert.Contains("users: 1 imported, 0 skipped (already present), 2 rejected", output);
        Assert.Contains("user roles: 1 imported, 0 skipped (already present), 2 rejected", output);
        Assert.DoesNotContain("Exception", output);
        Assert.Equal(0L, await topology.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM users WHERE id = ANY(@ids)", ("ids", new[] { taken, plain })));
        Assert.Equal(existing.Id, await topology.AuthDatabase.ScalarAsync<Guid>("SELECT id FROM users WHERE email = @e", ("e", existing.Email)));
    }

    [Fact]
    public async Task An_unreachable_or_foreign_source_is_named_in_plain_words_and_nothing_is_written()
    {
        var (badFormat, badFormatOutput) = await topology.AuthHost.RunCommandAsync("import", "users", "not a connection string");
        Assert.Equal(1, badFormat);
        Assert.StartsWith("error: not a PostgreSQL connection string", badFormatOutput);

        var missing = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = $"gomicro_none_{Guid.NewGuid():N}" };
        var (noDb, noDbOutput) = await topology.AuthHost.RunCommandAsync("import", "users", missing.ConnectionString);
        Assert.Equal(1, noDb);
        Assert.StartsWith("error: the source database does not exist", noDbOutput);

        await using var empty = await TestDatabase.CreateAsync("notref");
        var (foreign, foreignOutput) = await topology.AuthHost.RunCommandAsync("import", "users", empty.ConnectionString);
        Assert.Equal(1, foreign);
        Assert.StartsWith("error: the source database does not have the reference's auth tables", foreignOutput);
        Assert.DoesNotContain("42P01", foreignOutput);
    }

    /// <summary>Changes nothing can hide from: each table's row count and row versions.</summary>
    private Task<string?> ChangeStampAsync() => topology.AuthDatabase.ScalarAsync<string>("""
        SELECT (SELECT count(*) || ':' || coalesce(string_agg(xmin::text, ',' ORDER BY id), '') FROM users) || '|' ||
               (SELECT count(*) || ':' || coalesce(string_agg(xmin::text, ',' ORDER BY user_id, role_id), '') FROM user_roles) || '|' ||
               (SELECT count(*) || ':' || coalesce(string_agg(xmin::text, ',' ORDER BY id), '') FROM api_keys)
        """);
}

/// <summary>
/// A throw-away database shaped as gomicro's auth database: its tables and columns as the reference's migrations create
/// them (timestamps without time zone, nullable flags, roles with random ids), with its four roles inserted.
/// </summary>
public sealed class ReferenceAuthDatabase : IAsyncDisposable
{
    private readonly TestDatabase _database;

    private ReferenceAuthDatabase(TestDatabase database) => _database = database;

    /// <summary>Connection string of the reference-shaped database.</summary>
    public string ConnectionString => _database.ConnectionString;

    /// <summary>Creates the database with the reference's schema and roles.</summary>
    public static async Task<ReferenceAuthDatabase> CreateAsync()
    {
        var database = new ReferenceAuthDatabase(await TestDatabase.CreateAsync("gomicroref"));
        await database.ExecuteAsync("""
            CREATE EXTENSION IF NOT EXISTS pgcrypto;
            CREATE TABLE api_keys (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), key TEXT NOT NULL UNIQUE, permissions TEXT[],
              comments TEXT[], version INTEGER, status BOOLEAN DEFAULT TRUE, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
              updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
            CREATE TABLE roles (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), code TEXT NOT NULL UNIQUE, status BOOLEAN DEFAULT TRUE,
              created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
            CREATE TABLE users (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), email TEXT NOT NULL UNIQUE, password TEXT,
              name TEXT NOT NULL, profile_pic_url TEXT, verified BOOLEAN DEFAULT FALSE, status BOOLEAN DEFAULT TRUE,
              created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
            CREATE TABLE user_roles (user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              role_id UUID NOT NULL REFERENCES roles(id) ON DELETE CASCADE, PRIMARY KEY (user_id, role_id));
            CREATE TABLE keystore (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              p_key TEXT NOT NULL, s_key TEXT NOT NULL, status BOOLEAN DEFAULT TRUE, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
              updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
            INSERT INTO roles (code) VALUES ('LEARNER'), ('AUTHOR'), ('EDITOR'), ('ADMIN');
            """);
        return database;
    }

    /// <summary>Runs SQL (several statements allowed) against the reference-shaped database.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
