using GoMicro.Host;
using GoMicro.Integration.Tests.Infrastructure;
using Npgsql;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>
/// A mistake in the configuration stops the built binary (a separate process, as an operator runs it) with one line on
/// standard error naming the setting to fix, and a documented exit code (<see cref="ExitCodes"/>), never a stack trace.
/// </summary>
public sealed class StartupErrorTests
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(90);

    /// <summary>The auth role's settings with <paramref name="changes"/> applied; its database is never reached unless
    /// the test's connection string points at it.</summary>
    private static Dictionary<string, string?> AuthSettings(params (string Key, string Value)[] changes)
    {
        var settings = GoMicroHostFactory.BaseSettings("auth");
        settings["ConnectionStrings:Auth"] = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = "gomicro_no_such_db" }.ConnectionString;
        settings["ConnectionStrings:Blog"] = "";
        foreach (var (key, value) in changes) settings[key] = value;
        return settings;
    }

    private static string WrongPassword() =>
        new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Password = "not-the-password-" + Guid.NewGuid().ToString("N")[..6] }.ConnectionString;

    private static string UnreachablePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();   // nothing listens there now
        return new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Host = "127.0.0.1", Port = port }.ConnectionString;
    }

    /// <summary>Asserts the process wrote exactly one line on standard error, starting <c>error:</c> and holding each of
    /// <paramref name="expected"/>, and no stack trace anywhere.</summary>
    private static void AssertOneLine((int ExitCode, string StandardOutput, string StandardError) run, int exitCode, params string[] expected)
    {
        var lines = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"one line on standard error, got:\n{run.StandardError}");
        Assert.StartsWith("error: ", lines[0]);
        foreach (var text in expected) Assert.Contains(text, lines[0]);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError);
        Assert.DoesNotContain("Unhandled exception", run.StandardOutput + run.StandardError);
        Assert.Equal(exitCode, run.ExitCode);
    }

    [Fact]
    public async Task A_wrong_database_password_stops_the_server_naming_the_connection_string()
    {
        var run = await HostProcess.RunToExitAsync(AuthSettings(("ConnectionStrings:Auth", WrongPassword())), [], GiveUp);
        AssertOneLine(run, ExitCodes.DependencyUnavailable, "ConnectionStrings:Auth", "28P01", "password authentication failed");
        Assert.DoesNotContain("not-the-password", run.StandardError);
    }

    [Fact]
    public async Task An_unreachable_database_port_stops_the_server_naming_the_connection_string_and_where_it_points()
    {
        var connectionString = UnreachablePort();
        var port = new NpgsqlConnectionStringBuilder(connectionString).Port;
        var run = await HostProcess.RunToExitAsync(AuthSettings(("ConnectionStrings:Auth", connectionString)), [], GiveUp);
        AssertOneLine(run, ExitCodes.DependencyUnavailable, "ConnectionStrings:Auth", $"Port={port}", "Connection refused");
    }

    [Fact]
    public async Task An_admin_command_on_a_wrong_password_says_the_same_in_one_line()
    {
        var run = await HostProcess.RunToExitAsync(AuthSettings(("ConnectionStrings:Auth", WrongPassword())),
            ["user", "grant-role", "nobody@example.com", "AUTHOR", "--role", "auth"], GiveUp);
        AssertOneLine(run, ExitCodes.DependencyUnavailable, "ConnectionStrings:Auth", "28P01");
    }

    [Fact]
    public async Task A_negative_bus_request_timeout_stops_the_server_naming_the_key_and_its_value()
    {
        var run = await HostProcess.RunToExitAsync(AuthSettings(("Bus:RequestTimeout", "-00:00:01")), [], GiveUp);
        AssertOneLine(run, ExitCodes.BadConfiguration, "Bus:RequestTimeout", "Bus__RequestTimeout", "-00:00:01");
    }

    [Fact]
    public async Task Every_invalid_setting_is_named_in_the_one_line()
    {
        var run = await HostProcess.RunToExitAsync(
            AuthSettings(("Outbox:BatchSize", "0"), ("Auth:Jwt:AccessTokenLifetime", "00:00:00"), ("Auth:Sessions:MaxPerUser", "-1")), [], GiveUp);
        AssertOneLine(run, ExitCodes.BadConfiguration, "Outbox:BatchSize", "Auth:Jwt:AccessTokenLifetime", "Auth:Sessions:MaxPerUser");
    }
}
