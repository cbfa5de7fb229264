using GoMicro.Host;
using GoMicro.Host.Commands;
using GoMicro.Shared.Modularity;

// Either an admin command (migrate, apikey create, user grant-role ...) or the web server, on the same binary.
var timeline = StartupTimeline.Start();
var invocation = Invocation.Parse(args);
WebApplication app;
try
{
    app = GoMicroApplication.Build(invocation.HostArguments, invocation.ConsoleMinimumLevel, adminCommand: invocation.Command is not null);
}
catch (StartupException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return ex.ExitCode;
}

try
{
    if (invocation.Command is { } command)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
        return await AdminCommandRunner.RunAsync(app.Services, app.Configuration, command, new AdminConsole(Console.Out, Console.Error), cancellation.Token);
    }
    timeline.Mark("host build");
    await GoMicroApplication.MigrateDatabasesAsync(app.Services);
    timeline.Mark("EF Core models and migrations");
}
catch (StartupException ex)
{
    // One line naming the setting to fix; the fault behind it only when asked for (--verbose, or Debug logging).
    app.Logger.LogDebug(ex.InnerException, "Start-up stopped: {Reason}", ex.Message);
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    if (invocation.Verbose && ex.InnerException is { } fault) await Console.Error.WriteLineAsync(fault.ToString());
    return ex.ExitCode;
}

await app.StartAsync();
timeline.Mark("web server and hosted services");
timeline.Log(app.Logger);
try
{
    // After the start: the seed of one module may ask another over the bus, which connects with the host.
    await GoMicroApplication.SeedDatabasesAsync(app.Services, app.Lifetime.ApplicationStopping);
}
catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
{
    // Stopped while a seed still waited for another module: the shutdown below is what was asked for.
}
await app.WaitForShutdownAsync();
await app.DisposeAsync();
return ExitCodes.Success;

/// <summary>The entry point; public so integration tests can host it with <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
