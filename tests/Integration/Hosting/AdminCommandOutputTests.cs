using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>
/// Admin commands run on the built binary as an operator runs them (<c>scripts/gomicro</c> starts the same dll with
/// the same words): with Redis configured, so FusionCache's distributed level and serializer are set up, the command
/// writes its own output and nothing else on either stream, so a script can use what it prints.
/// </summary>
public sealed class AdminCommandOutputTests : IAsyncLifetime
{
    private TestDatabase _auth = null!;
    private TestDatabase _blog = null!;

    public async Task InitializeAsync()
    {
        _auth = await TestDatabase.CreateAsync("auth");
        _blog = await TestDatabase.CreateAsync("blog");
    }

    public async Task DisposeAsync()
    {
        await _auth.DisposeAsync();
        await _blog.DisposeAsync();
    }

    [Fact]
    public async Task Migrate_and_apikey_create_print_only_their_own_lines()
    {
        var migrate = await RunAsync("migrate");
        Assert.Equal((0, ""), (migrate.ExitCode, migrate.Error));
        Assert.Equal(["auth: ", "blog: "], migrate.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..6]));

        var created = await RunAsync("apikey", "create", "--comment", "admin-output");
        Assert.Equal((0, ""), (created.ExitCode, created.Error));
        // One line: the key, 160 bits as upper-case hex.
        Assert.Matches("^[0-9A-F]{40}\n$", created.Output);
        Assert.Equal(1L, await _auth.ScalarAsync<long>("SELECT count(*) FROM api_keys WHERE key = @key", ("key", created.Output.Trim())));
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] words)
    {
        var (exitCode, output, error) = await HostProcess.RunToExitAsync(new Dictionary<string, string?>
        {
            ["GoMicro:Role"] = "monolith",
            ["ConnectionStrings:Auth"] = _auth.ConnectionString,
            ["ConnectionStrings:Blog"] = _blog.ConnectionString,
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Auth:Jwt:SigningKeyPath"] = TestEnvironment.JwtKeyFiles.PrivateKey,
        }, words, TimeSpan.FromMinutes(2));
        return (exitCode, output.Replace("\r\n", "\n"), error);
    }
}
