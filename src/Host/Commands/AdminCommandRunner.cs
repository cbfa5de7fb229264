using System.CommandLine;
using GoMicro.Shared.Modularity;

namespace GoMicro.Host.Commands;

/// <summary>
/// Runs an admin command on the built application instead of the web server, parsed by System.CommandLine from the
/// commands of the role's modules (<see cref="IAdminCommand"/>): a group per first word (<c>apikey</c>, <c>user</c>,
/// <c>import</c>), <c>--help</c>/<c>-h</c> on the tool, every group and every command, and parse errors on standard error.
/// </summary>
public static class AdminCommandRunner
{
    /// <summary>The tool's name in usage lines: the script operators run.</summary>
    public const string ToolName = "gomicro";

    /// <summary>Parses <paramref name="words"/> and runs the command they name.</summary>
    /// <param name="services">The built application's services (a scope is created for the command).</param>
    /// <param name="configuration">The application's configuration (for database fault messages).</param>
    /// <param name="words">The command line after the host's own arguments; none, or <c>help</c>, shows the command list.</param>
    /// <param name="console">Standard output and standard error.</param>
    /// <param name="cancellationToken">Ctrl-C.</param>
    /// <returns>The exit code: the command's own; 0 for help; 1 for a command line that does not parse (an unknown
    /// command, a missing argument, a bad option).</returns>
    /// <exception cref="StartupException">The command met a database it cannot use (<see cref="ExitCodes.DependencyUnavailable"/>).</exception>
    public static async Task<int> RunAsync(IServiceProvider services, IConfiguration configuration, string[] words, AdminConsole console,
        CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var commands = scope.ServiceProvider.GetServices<IAdminCommand>().ToArray();
        var root = Build(commands, console);
        if (words is [] or ["help"]) words = ["--help"];
        var parse = root.Parse(words);
        if (parse.Errors.Count > 0)
        {
            // Only errors, and where to find the usage, on standard error; nothing on standard output.
            foreach (var error in parse.Errors.Select(e => e.Message).Distinct())
                await console.Error.WriteLineAsync($"error: {error}");
            var names = new List<string>();
            for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
                names.Insert(0, result.Command.Name);
            var path = string.Join(' ', names);
            await console.Error.WriteLineAsync($"Run '{path} --help' for usage.");
            return AdminConsole.Refused;
        }
        try
        {
            return await parse.InvokeAsync(
                new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (Exception ex) when (DatabaseFaults.Find(ex) is { } fault)
        {
            throw DatabaseFaults.For(scope.ServiceProvider.GetServices<IModuleDatabase>(), fault, configuration);
        }
    }

    /// <summary>The command tree: each command under its group, in name order.</summary>
    private static Command Build(IEnumerable<IAdminCommand> commands, AdminConsole console)
    {
        // Named for the script operators run, not the binary (a RootCommand takes the executable's name).
        var root = new Command(ToolName, "GoMicro.NET admin commands: run by the same binary as the server, on the role's databases. "
                                         + "Exit codes: 0 done, 1 refused (nothing written), 2 bad configuration, 3 a database cannot be used.")
        {
            new System.CommandLine.Help.HelpOption(),
        };
        foreach (var command in commands.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var words = command.Name.Split(' ');
            Command parent = root;
            foreach (var group in words[..^1])
            {
                var existing = parent.Subcommands.FirstOrDefault(c => c.Name == group);
                if (existing is null)
                {
                    existing = new Command(group, $"{group} commands");
                    parent.Subcommands.Add(existing);
                }
                parent = existing;
            }
            var leaf = new Command(words[^1], command.Description);
            command.Configure(leaf);
            leaf.SetAction((parse, ct) => command.RunAsync(parse, console, ct));
            parent.Subcommands.Add(leaf);
        }
        foreach (var group in root.Subcommands.Where(g => g.Subcommands.Count > 0))
            group.Description = $"{group.Name} commands: {string.Join(", ", group.Subcommands.Select(c => c.Name))}";
        return root;
    }
}
