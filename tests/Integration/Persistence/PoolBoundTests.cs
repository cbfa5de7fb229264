using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Persistence;
using Npgsql;

namespace GoMicro.Integration.Tests.Persistence;

/// <summary>
/// Issue 35's bounded pools: a process whose pool for a module's database is full answers 503 naming the database, never
/// 500, and the request holding the connection still completes; PostgreSQL's own refusal (53300, the server's slots
/// taken) counts as the database being unavailable too.
/// </summary>
public sealed class PoolBoundTests : IAsyncLifetime
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);
    private TestDatabase _auth = null!;
    private TestDatabase _blog = null!;
    private GoMicroHostFactory _host = null!;

    public async Task InitializeAsync()
    {
        _auth = await TestDatabase.CreateAsync("auth");
        _blog = await TestDatabase.CreateAsync("blog");
        var settings = GoMicroHostFactory.BaseSettings("monolith");
        settings["ConnectionStrings:Auth"] = _auth.ConnectionString;
        // One connection, and a one-second wait for it, so a second concurrent blog query finds the pool exhausted.
        settings["ConnectionStrings:Blog"] = _blog.ConnectionString + ";Maximum Pool Size=1;Timeout=1";
        _host = new GoMicroHostFactory(settings);
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _auth.DisposeAsync();
        await _blog.DisposeAsync();
    }

    [Fact]
    public async Task A_request_that_finds_the_pool_exhausted_is_503_naming_the_database_and_the_holder_completes()
    {
        using var client = _host.CreateClient();
        // Second pages: first pages are cached and would not need a connection.
        const string Deeper = "/blog/list/latest?page=2&limit=5";
        (await client.GetEnvelopeAsync(Deeper)).ShouldSucceed();

        await using var admin = new NpgsqlConnection(_blog.ConnectionString);
        await admin.OpenAsync();
        await using var lockTransaction = await admin.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE blogs IN ACCESS EXCLUSIVE MODE", admin, lockTransaction))
            await lockTable.ExecuteNonQueryAsync();

        // The holder: its query waits on the lock, keeping the pool's only connection.
        var holder = client.GetEnvelopeAsync(Deeper);
        await Eventually.HoldsAsync(async () => await WaitingOnTheLockAsync(admin, lockTransaction) == 1, GiveUp,
            "the first request's query waits on the lock");

        var refused = await client.GetEnvelopeAsync(Deeper);
        refused.ShouldFail(HttpStatusCode.ServiceUnavailable, "blog database unavailable");
        Assert.False(holder.IsCompleted, "the holder still waits on the lock, so the pool was full for the whole second request");

        await lockTransaction.RollbackAsync();
        (await holder).ShouldSucceed();
        (await client.GetEnvelopeAsync(Deeper)).ShouldSucceed();
    }

    [Theory]
    [InlineData("53300", "remaining connection slots are reserved for roles with the SUPERUSER attribute")]
    [InlineData("53300", "sorry, too many clients already")]
    public void PostgreSQL_refusing_a_connection_for_want_of_slots_counts_as_unavailable(string sqlState, string message)
    {
        var refusal = new PostgresException(message, "FATAL", "FATAL", sqlState);
        Assert.True(TransientFaults.IsUnavailable(refusal));
        Assert.True(TransientFaults.IsUnavailable(new InvalidOperationException("wrapped", refusal)));
    }

    [Fact]
    public void A_pool_timeout_counts_as_unavailable() =>
        // What Npgsql throws when no connection frees up within the connection string's Timeout.
        Assert.True(TransientFaults.IsUnavailable(new NpgsqlException("The connection pool has been exhausted", new TimeoutException())));

    private async Task<long> WaitingOnTheLockAsync(NpgsqlConnection admin, NpgsqlTransaction transaction)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = @name AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()", admin, transaction);
        command.Parameters.AddWithValue("name", _blog.Name);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
