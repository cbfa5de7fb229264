using System.Text.RegularExpressions;
using GoMicro.Host;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>
/// The admin commands as an operator's shell meets them, on the built binary as a separate process: help on the tool,
/// every group and every command; only the command's own output on standard output (<c>KEY=$(gomicro apikey create)</c>
/// holds exactly the key); errors on standard error; the documented exit codes.
/// </summary>
public sealed class AdminCommandLineTests(AdminCommandLineTests.MigratedAuthDatabase database) : IClassFixture<AdminCommandLineTests.MigratedAuthDatabase>
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(90);

    private Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(params string[] arguments) =>
        HostProcess.RunToExitAsync(database.Settings, [.. arguments, "--role", "auth"], GiveUp);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("apikey", "--help")]
    [InlineData("user", "-h")]
    [InlineData("apikey", "create", "--help")]
    [InlineData("user", "profile", "--help")]
    [InlineData("migrate", "-h")]
    public async Task Help_on_the_tool_each_group_and_each_command_exits_0_with_its_usage(params string[] arguments)
    {
        var (exitCode, output, error) = await RunAsync(arguments);
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("Usage:", output);
        var named = arguments.Where(a => !a.StartsWith('-') && a != "help");
        Assert.Contains($"gomicro {string.Join(' ', named)}".TrimEnd(), output);
        Assert.Equal("", error);
    }

    [Fact]
    public async Task A_commands_help_lists_its_own_arguments_and_options()
    {
        var (_, output, _) = await RunAsync("user", "profile", "--help");
        Assert.Contains("<email>", output);
        Assert.Contains("--name", output);
        Assert.Contains("--no-picture", output);
    }

    [Fact]
    public async Task Apikey_create_writes_exactly_the_key_on_standard_output()
    {
        var (exitCode, output, error) = await RunAsync("apikey", "create", "--comment", "cli test");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Matches(new Regex("^[0-9A-F]{40}\n$"), output);
        Assert.DoesNotContain("error", error);

        var (deactivated, said, _) = await RunAsync("apikey", "deactivate", output.Trim());
        Assert.Equal(ExitCodes.Success, deactivated);
        Assert.Equal("deactivated\n", said);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("apikey")]
    [InlineData("user", "grant-role")]
    [InlineData("user", "profile", "someone@example.com")]
    [InlineData("apikey", "create", "--unknown-option")]
    public async Task A_command_line_that_does_not_parse_exits_1_with_the_error_on_standard_error_only(params string[] arguments)
    {
        var (exitCode, output, error) = await RunAsync(arguments);
        Assert.Equal(AdminConsoleRefused, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error);
        Assert.Contains("--help' for usage.", error);
    }

    [Fact]
    public async Task A_refused_input_exits_1_with_the_error_on_standard_error_only()
    {
        var (exitCode, output, error) = await RunAsync("user", "grant-role", $"nobody-{Guid.NewGuid():N}@example.com", "AUTHOR");
        Assert.Equal(AdminConsoleRefused, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("error: no user with email", error);
    }

    private const int AdminConsoleRefused = GoMicro.Shared.Modularity.AdminConsole.Refused;

    /// <summary>An Auth database of the class's own, migrated by the binary's <c>migrate</c> command.</summary>
    public sealed class MigratedAuthDatabase : IAsyncLifetime
    {
        private TestDatabase _database = null!;

        /// <summary>Settings of an auth-role process on the database.</summary>
        public Dictionary<string, string?> Settings { get; private set; } = null!;

        /// <inheritdoc />
        public async Task InitializeAsync()
        {
            _database = await TestDatabase.CreateAsync("auth");
            Settings = GoMicroHostFactory.BaseSettings("auth");
            Settings["ConnectionStrings:Auth"] = _database.ConnectionString;
            Settings["ConnectionStrings:Blog"] = "";
            var (exitCode, output, error) = await HostProcess.RunToExitAsync(Settings, ["migrate", "--role", "auth"], GiveUp);
            Assert.True(exitCode == 0, $"migrate exited {exitCode}: {output}{error}");
            Assert.Equal("auth: database is up to date\n", output);
        }

        /// <inheritdoc />
        public async Task DisposeAsync() => await _database.DisposeAsync();
    }
}
