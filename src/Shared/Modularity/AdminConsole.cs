namespace GoMicro.Shared.Modularity;

/// <summary>Where an admin command writes: results on <paramref name="Out"/> (standard output), <c>error: ...</c> lines on
/// <paramref name="Error"/> (standard error).</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
public sealed record AdminConsole(TextWriter Out, TextWriter Error)
{
    /// <summary>The exit code of a command that refused its input (an unknown email, role or key; a bad value).</summary>
    public const int Refused = 1;

    /// <summary>Writes <c>error: <paramref name="message"/></c> to <see cref="Error"/>.</summary>
    /// <returns><see cref="Refused"/>.</returns>
    public async Task<int> RefuseAsync(string message)
    {
        await Error.WriteLineAsync($"error: {message}");
        return Refused;
    }
}
