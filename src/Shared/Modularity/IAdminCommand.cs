using System.CommandLine;

namespace GoMicro.Shared.Modularity;

/// <summary>
/// An administrative command run by the same binary instead of the web server (<c>GoMicro.Host &lt;command&gt;</c>). The Host
/// builds one System.CommandLine tree from the commands of the role's modules, so each gets <c>--help</c>/<c>-h</c>, a usage
/// line from what it declares, and parse errors on standard error with exit code 1.
/// </summary>
public interface IAdminCommand
{
    /// <summary>The words that select it: its group, then its own (<c>apikey create</c>); one word for a command of its own
    /// (<c>migrate</c>).</summary>
    string Name { get; }

    /// <summary>One line for the command list and <c>--help</c>.</summary>
    string Description { get; }

    /// <summary>Declares the command's arguments and options on <paramref name="command"/>; <see cref="RunAsync"/> reads
    /// their values from the parse result.</summary>
    void Configure(Command command);

    /// <summary>Runs the parsed command.</summary>
    /// <param name="parse">The command line, parsed and valid by what <see cref="Configure"/> declared.</param>
    /// <param name="console">Results go to <see cref="AdminConsole.Out"/> alone, so <c>KEY=$(gomicro apikey create)</c>
    /// captures exactly the key; errors to <see cref="AdminConsole.Error"/>.</param>
    /// <param name="cancellationToken">Ctrl-C.</param>
    /// <returns>The process exit code: 0 on success, 1 (<see cref="AdminConsole.RefuseAsync"/>) when nothing was written
    /// because the input was wrong.</returns>
    Task<int> RunAsync(ParseResult parse, AdminConsole console, CancellationToken cancellationToken);
}
