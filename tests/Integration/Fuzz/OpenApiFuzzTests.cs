using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GoMicro.Integration.Tests.Blog;
using GoMicro.Integration.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace GoMicro.Integration.Tests.Fuzz;

/// <summary>
/// Issue 14's fuzz test: reads the app's own OpenAPI document, sends every operation a corpus of bad input
/// (<see cref="FuzzCorpus"/>) over real Kestrel against the real databases, and asserts for each answer: no 5xx, the
/// envelope with the right code and status, the status the input calls for, no .NET type, stack frame, SQL or file
/// path in the body, and no row written or changed in any table when the request was rejected.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed partial class OpenApiFuzzTests(KestrelMonolithTopology topology, ITestOutputHelper output)
{
    /// <summary>Texts that only internals produce: type and namespace names, stack frames, parser positions, SQL errors, paths.</summary>
    [GeneratedRegex(@"System\.[A-Z]|Microsoft\.[A-Z]|GoMicro\.(Modules|Shared|Host)|Npgsql|Exception|\bat [A-Z][\w.]+\(|\.cs:line|LineNumber|BytePosition|Path: \$|SQLSTATE|syntax error at|violates|duplicate key|relation ""|/work/|/src/|/home/|/tmp/|[A-Z]:\\")]
    private static partial Regex Internals();

    [Fact]
    public async Task Every_operation_answers_bad_input_with_a_4xx_envelope_naming_no_internals_and_writing_nothing()
    {
        var user = await TestUsers.CreateAsync(topology, "AUTHOR", "EDITOR");
        var blog = await topology.CreateAsync(user);
        using var document = JsonDocument.Parse(await topology.Auth.GetStringAsync("/openapi/v1.json"));
        var operations = FuzzOperation.ReadAll(document.RootElement);
        Assert.Contains(operations, o => o.Path == "/blog/author" && o.Method == HttpMethod.Put); // the document lists the routes
        var corpus = FuzzCorpus.Build(operations, new FuzzTargets(TestEnvironment.ApiKey, user.AccessToken, user.RefreshToken, user.Id, blog.Id, blog.Slug));

        await using var snapshots = await RowSnapshots.OpenAsync(topology.AuthDatabase.ConnectionString, topology.BlogDatabase.ConnectionString);
        var rows = await snapshots.TakeAsync();
        var failures = new List<string>();
        var byStatus = new SortedDictionary<int, int>();
        foreach (var fuzz in corpus)
        {
            var (status, body) = await SendAsync(fuzz);
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
            var problem = Check(fuzz, status, body);
            if (fuzz.Method != HttpMethod.Get)
            {
                var after = await snapshots.TakeAsync();
                if (status >= 400 && after != rows) problem ??= $"rows changed although rejected:\n  before {rows}\n  after  {after}";
                rows = after;
            }
            if (problem is not null) failures.Add($"{fuzz.Operation} [{fuzz.Kind}] -> {status}: {problem}; body: {Truncate(body)}");
        }

        var summary = $"{corpus.Count} requests over {operations.Count} operations; by status: " +
                      string.Join(", ", byStatus.Select(s => $"{s.Key}: {s.Value}"));
        output.WriteLine(summary);
        Console.WriteLine("fuzz: " + summary);
        Assert.True(corpus.Count >= 1000, $"the corpus must hold at least 1000 requests; it holds {corpus.Count}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} answers were wrong:\n" + string.Join("\n", failures.Take(40)));
    }

    private static string? Check(FuzzCase fuzz, int status, string body)
    {
        if (status >= 500) return "a 5xx";
        if (!fuzz.Expected.Allows(status))
            return $"expected {(fuzz.Expected.Statuses is { } s ? string.Join(" or ", s) : "a 4xx")}";
        if (Internals().Match(body) is { Success: true } leak) return $"the body names internals ('{leak.Value}')";
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return "not an envelope object";
            // The JWKS is a bare RFC 7517 JWK Set, not an envelope, so standard JWT libraries read it; only its success is.
            if (status == 200 && fuzz.Operation == "GET /auth/.well-known/jwks.json")
                return root.TryGetProperty("keys", out var keys) && keys.ValueKind == JsonValueKind.Array ? null : "a JWKS without keys";
            var names = root.EnumerateObject().Select(p => p.Name).ToArray();
            if (names.Except(["code", "status", "message", "data"]).Any()) return $"unexpected envelope fields {string.Join(",", names)}";
            if (!root.TryGetProperty("code", out var code) || code.GetString() != (status < 400 ? "10000" : "10001")) return "wrong code";
            if (!root.TryGetProperty("status", out var repeated) || repeated.GetInt32() != status) return "status not repeated";
            if (!root.TryGetProperty("message", out var message) || string.IsNullOrWhiteSpace(message.GetString())) return "no message";
            if (status >= 400 && root.TryGetProperty("data", out _)) return "an error with data";
        }
        catch (JsonException)
        {
            return "not JSON";
        }
        return null;
    }

    private async Task<(int Status, string Body)> SendAsync(FuzzCase fuzz)
    {
        using var request = new HttpRequestMessage(fuzz.Method, fuzz.PathAndQuery);
        foreach (var (name, value) in fuzz.Headers)
            if (!request.Headers.TryAddWithoutValidation(name, value)) throw new InvalidOperationException($"cannot send header {name}");
        if (fuzz.Body is not null)
        {
            HttpContent content = fuzz.Chunked ? new StreamContent(new MemoryStream(fuzz.Body)) : new ByteArrayContent(fuzz.Body);
            if (fuzz.Chunked) request.Headers.TransferEncodingChunked = true;
            if (fuzz.ContentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", fuzz.ContentType);
            request.Content = content;
        }
        using var response = await topology.Auth.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>
    /// Per table of each database: its row count and the newest row version (<c>xmin</c>), so an insert, update or
    /// delete in any table, including tables added later, changes the snapshot.
    /// </summary>
    private sealed class RowSnapshots : IAsyncDisposable
    {
        private readonly (NpgsqlConnection Connection, string Query)[] _databases;

        private RowSnapshots((NpgsqlConnection, string)[] databases) => _databases = databases;

        public static async Task<RowSnapshots> OpenAsync(params string[] connectionStrings)
        {
            var databases = new List<(NpgsqlConnection, string)>();
            foreach (var connectionString in connectionStrings)
            {
                var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                await using var tables = new NpgsqlCommand("""
                    SELECT string_agg(format('SELECT %L || '':'' || count(*) || ''@'' || coalesce(max(xmin::text::bigint), 0) FROM %I', table_name, table_name),
                                      ' UNION ALL ' ORDER BY table_name)
                    FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
                    """, connection);
                databases.Add((connection, (string)(await tables.ExecuteScalarAsync())!));
            }
            return new RowSnapshots(databases.ToArray());
        }

        public async Task<string> TakeAsync()
        {
            var snapshot = new StringBuilder();
            foreach (var (connection, query) in _databases)
            {
                // An accepted write leaves announcements in the outbox that a dispatcher deletes moments later: wait
                // for them, so the next request's snapshot is not changed by that delivery.
                await Eventually.HoldsAsync(async () =>
                {
                    await using var pending = new NpgsqlCommand(
                        "SELECT NOT EXISTS (SELECT FROM outbox_messages)", connection);
                    return (bool)(await pending.ExecuteScalarAsync())!;
                }, TimeSpan.FromSeconds(15), "the outbox delivered the previous request's announcements");
                await using var command = new NpgsqlCommand(query, connection);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync()) snapshot.Append(reader.GetString(0)).Append(' ');
            }
            return snapshot.ToString();
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var (connection, _) in _databases) await connection.DisposeAsync();
        }
    }
}
