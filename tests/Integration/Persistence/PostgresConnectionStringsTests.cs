using GoMicro.Shared.Persistence;
using Npgsql;

namespace GoMicro.Integration.Tests.Persistence;

/// <summary>Every module's connection string prepares its statements, skips the pool's reset and bounds its pool unless
/// the operator says otherwise.</summary>
public sealed class PostgresConnectionStringsTests
{
    [Fact]
    public void A_connection_string_without_max_auto_prepare_gets_the_default_and_keeps_the_rest()
    {
        var result = new NpgsqlConnectionStringBuilder(
            PostgresConnectionStrings.WithDefaults("Host=db;Port=5433;Database=gomicro_auth;Username=u;Password=p;SSL Mode=Disable"));

        Assert.Equal(PostgresConnectionStrings.DefaultMaxAutoPrepare, result.MaxAutoPrepare);
        Assert.True(result.NoResetOnClose);
        Assert.Equal(PostgresConnectionStrings.DefaultMaxPoolSize, result.MaxPoolSize);
        Assert.Equal(("db", 5433, "gomicro_auth", "u", "p", SslMode.Disable),
            (result.Host, result.Port, result.Database, result.Username, result.Password, result.SslMode));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;MaxAutoPrepare=50", 50)]
    [InlineData("Host=db;max auto prepare=7", 7)]
    public void An_explicit_max_auto_prepare_is_kept(string connectionString, int expected) =>
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.WithDefaults(connectionString)).MaxAutoPrepare);

    [Theory]
    [InlineData("Host=db;No Reset On Close=false")]
    [InlineData("Host=db;NoResetOnClose=false")]
    [InlineData("Host=db;no reset on close=False")]
    public void An_explicit_no_reset_on_close_is_kept(string connectionString)
    {
        var result = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.WithDefaults(connectionString));
        Assert.False(result.NoResetOnClose);
        Assert.Equal(PostgresConnectionStrings.DefaultMaxAutoPrepare, result.MaxAutoPrepare);
    }

    [Theory]
    [InlineData("Host=db;Maximum Pool Size=50", 50)]
    [InlineData("Host=db;maximum pool size=5", 5)]
    [InlineData("Host=db;maxpoolsize=7", 7)]
    public void An_explicit_pool_bound_is_kept(string connectionString, int expected) =>
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.WithDefaults(connectionString)).MaxPoolSize);
}
