namespace GoMicro.Host;

/// <summary>The process must not start (or an admin command cannot run); Program prints the message as one line,
/// <c>error: ...</c> on standard error, and exits with <see cref="ExitCode"/>.</summary>
/// <param name="message">What is wrong, naming the setting to fix and what the valid choices are.</param>
/// <param name="exitCode">One of <see cref="ExitCodes"/>.</param>
/// <param name="inner">The fault behind it, for <c>--verbose</c> and Debug logs; never printed by default.</param>
public sealed class StartupException(string message, int exitCode = ExitCodes.BadConfiguration, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The process's exit code.</summary>
    public int ExitCode { get; } = exitCode;
}

/// <summary>The process's exit codes, the same for the web server and the admin commands (README, "Admin commands").</summary>
public static class ExitCodes
{
    /// <summary>Done (a command), or a clean shutdown (the server).</summary>
    public const int Success = 0;

    /// <summary>An admin command refused its input (unknown command, email or role); nothing was written.</summary>
    public const int Refused = 1;

    /// <summary>The configuration cannot work: an unknown role or transport, an invalid setting.</summary>
    public const int BadConfiguration = 2;

    /// <summary>A dependency cannot be used: a database that refuses the login or cannot be reached.</summary>
    public const int DependencyUnavailable = 3;
}
