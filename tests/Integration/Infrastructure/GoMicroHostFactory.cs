using GoMicro.Host.Commands;
using GoMicro.Shared.Modularity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// One GoMicro.NET process in a given role, hosted in memory by <see cref="WebApplicationFactory{TEntryPoint}"/> on the real
/// Program, with configuration given as settings (the same keys as appsettings.json). Environment "Testing": no
/// exception details in bodies, as in production; the seed is switched on explicitly. <paramref name="services"/>, when
/// given, adds test-only services over the application's (e.g. a hook inside the blog cache's loader).
/// </summary>
public sealed class GoMicroHostFactory(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    /// <summary>Settings every test host needs: the shared JWT key files, migrations and seed on.</summary>
    public static Dictionary<string, string?> BaseSettings(string role) => new()
    {
        ["GoMicro:Role"] = role,
        ["Auth:Jwt:SigningKeyPath"] = TestEnvironment.JwtKeyFiles.PrivateKey,
        ["Database:MigrateOnStartup"] = "true",
        ["Database:Seed"] = "true",
        ["ConnectionStrings:Redis"] = "",
        // Tests share two loaded cores, where a GC pause or a busy thread pool outlasts the product's 50 ms Redis budget
        // and would switch the cache off for a second at random; RedisFreezeTests runs the product's default.
        ["Cache:Redis:OperationTimeout"] = "00:00:00.300",
        // Single-module roles default to NATS; point them at the test server, never at whatever 4222 happens to be.
        ["Bus:Nats:Url"] = TestEnvironment.Nats,
    };

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // UseSetting reaches the configuration Program reads before Build (the role decides which modules load).
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        if (services is not null) builder.ConfigureTestServices(services);
    }

    /// <summary>Starts the host, then applies migrations and the seed as Program does before serving.</summary>
    public async Task StartAsync()
    {
        StartServer(); // builds and starts the host (test server or Kestrel); the factory stops Program right after Build, so prepare here as Program does
        await GoMicro.Host.GoMicroApplication.PrepareDatabasesAsync(Services);
    }

    /// <summary>Runs an admin command (<c>user grant-role ...</c>) against this host's services, as the CLI would.</summary>
    /// <returns>The exit code and everything the command printed, standard output and standard error together as a terminal shows them.</returns>
    public async Task<(int ExitCode, string Output)> RunCommandAsync(params string[] words)
    {
        var output = new StringWriter();
        var exitCode = await AdminCommandRunner.RunAsync(Services, Services.GetRequiredService<IConfiguration>(), words,
            new AdminConsole(output, output), CancellationToken.None);
        return (exitCode, output.ToString());
    }
}
