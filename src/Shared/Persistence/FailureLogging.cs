using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace GoMicro.Shared.Persistence;

/// <summary>Keeps a database failure to one error line: the one of whoever handles the exception.</summary>
public static class FailureLogging
{
    /// <summary>
    /// Moves EF Core's own error events for a failed connection, command, query or save down to Debug. EF Core logs each
    /// of them at Error and then throws the same exception, which reaches a handler that logs it (the HTTP exception
    /// handler with the trace id, or a bus handler) or turns it into an answer (a unique violation becomes a 409), so at
    /// Error they would be a second and third line for one failure, or an error line for no error at all.
    /// </summary>
    /// <param name="options">The context's options.</param>
    /// <returns>The same options.</returns>
    public static DbContextOptionsBuilder LogFailuresOnlyWhereHandled(this DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(w => w.Log(
            (RelationalEventId.ConnectionError, LogLevel.Debug),
            (RelationalEventId.CommandError, LogLevel.Debug),
            (CoreEventId.QueryIterationFailed, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug)));
}
