using GoMicro.Shared.Web.Modularity;

namespace GoMicro.Host.Commands;

/// <summary>Runs an admin command on the built application instead of the web server.</summary>
public static class AdminCommandRunner
{
    /// <summary>Finds the command whose <see cref="IAdminCommand.Name"/> matches the most leading words and runs it.</summary>
    /// <returns>The exit code: the command's own, or 1 for an unknown command (after printing the list).</returns>
    /// <exception cref="StartupException">The command met a database it cannot use (<see cref="ExitCodes.DependencyUnavailable"/>).</exception>
    public static async Task<int> RunAsync(WebApplication app, string[] words, TextWriter output)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };

        await using var scope = app.Services.CreateAsyncScope();
        var commands = scope.ServiceProvider.GetServices<IAdminCommand>().ToArray();
        var command = commands
            .Select(c => (Command: c, Words: c.Name.Split(' ')))
            .Where(c => c.Words.Length <= words.Length && c.Words.SequenceEqual(words.Take(c.Words.Length)))
            .OrderByDescending(c => c.Words.Length)
            .FirstOrDefault();
        if (command.Command is null)
        {
            await output.WriteLineAsync(words is ["help", ..] ? "Commands:" : $"error: unknown command '{string.Join(' ', words)}'. Commands:");
            foreach (var c in commands.OrderBy(c => c.Name)) await output.WriteLineAsync($"  {c.Usage}");
            return words is ["help", ..] ? 0 : 1;
        }
        try
        {
            return await command.Command.RunAsync(words[command.Words.Length..], output, cancellation.Token);
        }
        catch (Exception ex) when (DatabaseFaults.Find(ex) is { } fault)
        {
            throw DatabaseFaults.For(scope.ServiceProvider.GetServices<IModuleDatabase>(), fault, app.Configuration);
        }
    }
}
