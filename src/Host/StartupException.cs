namespace GoMicro.Host;

/// <summary>The configuration cannot work (unknown role, a bus subject nobody will serve); the process must not start.</summary>
/// <param name="message">What is wrong and what the valid choices are.</param>
public sealed class StartupException(string message) : Exception(message);
