using System.Collections.Concurrent;
using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using Npgsql;

namespace GoMicro.Integration.Tests.Persistence;

/// <summary>
/// Dropped database connections and a database that refuses connections, on a monolith with databases of its own:
/// reads are retried by the execution strategy on a fresh connection, a sign-in (a transaction run inside the strategy)
/// is repeated whole, and what still fails because the database is unavailable is 503 naming it, never 500.
/// </summary>
public sealed class DatabaseFaultTests : IAsyncLifetime
{
    private TestDatabase _auth = null!;
    private TestDatabase _blog = null!;
    private GoMicroHostFactory _host = null!;
    private LogCapture _logs = null!;

    public async Task InitializeAsync()
    {
        _auth = await TestDatabase.CreateAsync("auth");
        _blog = await TestDatabase.CreateAsync("blog");
        var settings = GoMicroHostFactory.BaseSettings("monolith");
        settings["ConnectionStrings:Auth"] = _auth.ConnectionString;
        settings["ConnectionStrings:Blog"] = _blog.ConnectionString;
        _host = new GoMicroHostFactory(settings);
        await _host.StartAsync();
        _logs = LogCapture.AttachTo(_host.Services);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _auth.DisposeAsync();
        await _blog.DisposeAsync();
    }

    [Fact]
    public async Task Backends_terminated_five_times_under_load_cost_no_500_and_no_failed_read()
    {
        using var client = _host.CreateClient();
        var users = new List<(string Email, string Token)>();
        for (var i = 0; i < 4; i++)
        {
            var email = $"db-fault-{Guid.NewGuid():N}@example.com";
            var signUp = (await client.PostEnvelopeAsync("/auth/signup/basic", new { email, password = "secret-password", name = "Fault" })).ShouldSucceed();
            users.Add((email, signUp.Data.GetProperty("tokens").GetProperty("accessToken").GetString()!));
        }

        var reads = new ConcurrentBag<(string Path, Envelope Answer)>();
        var writes = new ConcurrentBag<(string Path, Envelope Answer)>();
        using var stop = new CancellationTokenSource();
        var load = users.Select(user => Task.Run(async () =>
        {
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                // Authenticated reads: the session check and the profile read the auth database, the list the blog one
                // (a second page: first pages are cached).
                reads.Add(("/auth/profile/mine", await client.GetEnvelopeAsync("/auth/profile/mine", user.Token)));
                reads.Add(("/blog/list/latest", await client.GetEnvelopeAsync("/blog/list/latest?page=2&limit=5", user.Token)));
                if (round % 4 != 0) continue;
                // Writes: a sign-in (retried whole), then the sign-out of that session (a transaction not retried).
                var signIn = await client.PostEnvelopeAsync("/auth/signin/basic", new { email = user.Email, password = "secret-password" });
                writes.Add(("/auth/signin/basic", signIn));
                if (signIn.HttpStatus == HttpStatusCode.OK)
                    writes.Add(("/auth/signout", await client.DeleteEnvelopeAsync("/auth/signout",
                        signIn.Data.GetProperty("tokens").GetProperty("accessToken").GetString())));
            }
        })).ToArray();

        var terminated = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            // Under load: wait for fresh answers since the last termination, so each one hits pooled connections in use.
            var seen = reads.Count;
            await Eventually.HoldsAsync(() => Task.FromResult(reads.Count >= seen + 20), TimeSpan.FromSeconds(30), "the load to go on");
            terminated.Add(await TerminateBackendsAsync());
        }
        var last = reads.Count;
        await Eventually.HoldsAsync(() => Task.FromResult(reads.Count >= last + 20), TimeSpan.FromSeconds(30), "the load to go on after the last termination");
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.All(terminated, count => Assert.True(count > 0, "every round terminated some of the app's backends"));
        var answers = reads.Concat(writes).ToArray();
        Assert.DoesNotContain(answers, a => a.Answer.HttpStatus == HttpStatusCode.InternalServerError);
        // Every read got its answer, through the strategy's retries on a fresh connection.
        Assert.All(reads, r => Assert.True(r.Answer.HttpStatus == HttpStatusCode.OK, $"{r.Path}: {r.Answer.Raw}"));
        // A write either happened or says which database was unavailable.
        Assert.All(writes, w => Assert.True(w.Answer.HttpStatus == HttpStatusCode.OK
            || (w.Answer.HttpStatus == HttpStatusCode.ServiceUnavailable && w.Answer.Message.EndsWith("database unavailable", StringComparison.Ordinal)),
            $"{w.Path}: {w.Answer.Raw}"));
        // The retries did happen: the strategy logs each one.
        Assert.Contains(_logs.Entries, e => e.Message.StartsWith("Retrying a unit of work on the auth database", StringComparison.Ordinal));
        Assert.Contains(_logs.Entries, e => e.Message.StartsWith("Retrying a unit of work on the blog database", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_database_refusing_connections_is_503_naming_it_and_health_shows_it_until_it_accepts_again()
    {
        using var client = _host.CreateClient();
        var email = $"db-refuse-{Guid.NewGuid():N}@example.com";
        var token = (await client.PostEnvelopeAsync("/auth/signup/basic", new { email, password = "secret-password", name = "Refused" }))
            .ShouldSucceed().Data.GetProperty("tokens").GetProperty("accessToken").GetString()!;
        (await client.GetEnvelopeAsync("/blog/list/latest?page=2&limit=5", token)).ShouldSucceed();

        // PostgreSQL refuses every new connection of the app's role with 53300 (too many connections), and the open
        // ones are dropped: the database is there but will not serve this process.
        await AdminAsync($"ALTER DATABASE \"{_blog.Name}\" CONNECTION LIMIT 0");
        try
        {
            await TerminateBackendsAsync(_blog.Name);
            (await client.GetEnvelopeAsync("/blog/list/latest?page=2&limit=5", token))
                .ShouldFail(HttpStatusCode.ServiceUnavailable, "blog database unavailable");
            // The auth database still serves: only the blog's answers are 503.
            (await client.GetEnvelopeAsync("/auth/profile/mine", token)).ShouldSucceed();
            using var health = await client.GetAsync("/health/ready");
            var body = await health.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains("\"name\":\"blog-database\",\"status\":\"Unhealthy\"", body);

            await AdminAsync($"ALTER DATABASE \"{_auth.Name}\" CONNECTION LIMIT 0");
            await TerminateBackendsAsync(_auth.Name);
            (await client.GetEnvelopeAsync("/auth/profile/mine", token)).ShouldFail(HttpStatusCode.ServiceUnavailable, "auth database unavailable");
            (await client.PostEnvelopeAsync("/auth/signin/basic", new { email, password = "secret-password" }))
                .ShouldFail(HttpStatusCode.ServiceUnavailable, "auth database unavailable");
        }
        finally
        {
            await AdminAsync($"ALTER DATABASE \"{_blog.Name}\" CONNECTION LIMIT -1");
            await AdminAsync($"ALTER DATABASE \"{_auth.Name}\" CONNECTION LIMIT -1");
        }
        (await client.GetEnvelopeAsync("/blog/list/latest?page=2&limit=5", token)).ShouldSucceed();
        (await client.GetEnvelopeAsync("/auth/profile/mine", token)).ShouldSucceed();
    }

    /// <summary>pg_terminate_backend on every connection of the test's two databases (or one), as the fault injection did.</summary>
    private async Task<int> TerminateBackendsAsync(string? database = null)
    {
        await using var admin = new NpgsqlConnection(TestEnvironment.PostgresAdmin);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ANY(@names) AND pid <> pg_backend_pid()", admin);
        command.Parameters.AddWithValue("names", database is null ? new[] { _auth.Name, _blog.Name } : new[] { database });
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    private static async Task AdminAsync(string sql)
    {
        await using var admin = new NpgsqlConnection(TestEnvironment.PostgresAdmin);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }
}
