namespace GoMicro.Host;

/// <summary>The command line, split into what configures the host and the admin command (if any).</summary>
/// <param name="HostArguments">Arguments for configuration (<c>--role auth</c>, <c>--urls ...</c>, <c>--Key=value</c>).</param>
/// <param name="Command">The admin command's words (e.g. <c>apikey create --comment x</c>), or null to run the web server.</param>
/// <param name="Verbose"><c>--verbose</c> was given with a command: show the host's log lines as the web server does.</param>
public sealed record Invocation(string[] HostArguments, string[]? Command, bool Verbose = false)
{
    /// <summary>The help options (System.CommandLine's): first on the command line, they show the admin commands' help
    /// rather than start the web server.</summary>
    public static readonly IReadOnlySet<string> HelpOptions = new HashSet<string>(StringComparer.Ordinal) { "--help", "-h", "-?" };

    /// <summary>The option that keeps the host's informational log lines on the console for an admin command.</summary>
    public const string VerboseOption = "--verbose";

    /// <summary>
    /// The lowest level the console shows: null (configuration decides) for the web server and for a command with
    /// <c>--verbose</c>; <see cref="LogLevel.Warning"/> for a command, so it prints only its own output (and problems)
    /// rather than the host's start-up lines.
    /// </summary>
    public LogLevel? ConsoleMinimumLevel => Command is not null && !Verbose ? LogLevel.Warning : null;

    /// <summary>
    /// A first argument that is not an option (<c>--x</c>, <c>/x</c>, <c>key=value</c>) is an admin command word, so a typo
    /// gets "unknown command" rather than a web server; so is a first <c>--help</c> or <c>-h</c>. The command's own options (<c>--comment</c>) stay with it, and
    /// only <c>--role X</c> is passed on to configuration; <c>--verbose</c> (anywhere after the command) sets
    /// <see cref="Verbose"/>. Anything else is the web server's command line.
    /// </summary>
    public static Invocation Parse(string[] args)
    {
        if (args.Length == 0 || (!HelpOptions.Contains(args[0]) && (args[0].StartsWith('-') || args[0].StartsWith('/') || args[0].Contains('='))))
            return new Invocation(args, null);

        var host = new List<string>();
        var command = new List<string>();
        var verbose = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--role" && i + 1 < args.Length) { host.Add(args[i]); host.Add(args[++i]); }
            else if (args[i] == VerboseOption) verbose = true;
            else command.Add(args[i]);
        }
        return new Invocation(host.ToArray(), command.ToArray(), verbose);
    }
}
