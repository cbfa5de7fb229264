namespace GoMicro.Shared.Bus;

/// <summary>
/// Marks an exception as "a dependency of this process is unreachable or refuses it" (its database: shut down,
/// restarting, out of connections, connection refused or dropped), so the edges answer 503 naming that dependency
/// instead of 500: the HTTP exception handler with <c>"{dependency} unavailable"</c>, a bus responder with
/// <c>"503:{dependency} unavailable"</c>, which the caller raises as a <see cref="BusUnavailableException"/>. The layer
/// that knows the dependency (Shared.Persistence for the modules' databases) marks the exception where it is thrown;
/// the mark travels in <see cref="Exception.Data"/>, so the original exception, its type and its stack stay as they
/// were for whoever handles it (a retry policy, a unique-violation check) and for the log. It lives in Shared.Bus
/// because it is the lowest layer both edges see.
/// </summary>
public static class DependencyFault
{
    private const string Key = "GoMicro.UnavailableDependency";

    /// <summary>Marks <paramref name="exception"/> as caused by <paramref name="dependency"/> being unavailable.</summary>
    /// <param name="exception">The failure, e.g. an <c>NpgsqlException</c>.</param>
    /// <param name="dependency">What is unavailable, as clients may read it, e.g. <c>auth database</c>; never a host name.</param>
    public static void Mark(Exception exception, string dependency) => exception.Data[Key] = dependency;

    /// <summary>The unavailable dependency marked on <paramref name="exception"/> or on any exception it wraps
    /// (<see cref="Exception.InnerException"/>, <see cref="AggregateException.InnerExceptions"/>), or null when none is.</summary>
    public static string? Of(Exception? exception)
    {
        for (var depth = 0; exception is not null && depth < 16; depth++)
        {
            if (exception.Data[Key] is string dependency) return dependency;
            if (exception is AggregateException { InnerExceptions: var inner })
                foreach (var e in inner)
                    if (Of(e) is { } found) return found;
            exception = exception.InnerException;
        }
        return null;
    }

    /// <summary>The client-facing text for an unavailable dependency: <c>"{dependency} unavailable"</c>.</summary>
    public static string Message(string dependency) => $"{dependency} unavailable";
}
