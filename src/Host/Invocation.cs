namespace GoMicro.Host;

/// <summary>The command line, split into what configures the host and the admin command (if any).</summary>
/// <param name="HostArguments">Arguments for configuration (<c>--role auth</c>, <c>--urls ...</c>, <c>--Key=value</c>).</param>
/// <param name="Command">The admin command's words (e.g. <c>apikey create --comment x</c>), or null to run the web server.</param>
public sealed record Invocation(string[] HostArguments, string[]? Command)
{
    /// <summary>First words that select an admin command instead of the web server.</summary>
    public static readonly IReadOnlySet<string> CommandWords = new HashSet<string>(StringComparer.Ordinal) { "migrate", "apikey", "user", "help" };

    /// <summary>
    /// An admin command starts with one of <see cref="CommandWords"/>; its own options (<c>--comment</c>) stay with it,
    /// and only <c>--role X</c> is passed on to configuration. Anything else is the web server's command line.
    /// </summary>
    public static Invocation Parse(string[] args)
    {
        if (args.Length == 0 || !CommandWords.Contains(args[0])) return new Invocation(args, null);

        var host = new List<string>();
        var command = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--role" && i + 1 < args.Length) { host.Add(args[i]); host.Add(args[++i]); }
            else command.Add(args[i]);
        }
        return new Invocation(host.ToArray(), command.ToArray());
    }
}
