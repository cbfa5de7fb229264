using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>One captured log entry with the values of its scopes (as the JSON console formatter writes them).</summary>
/// <param name="Category">Logger category.</param>
/// <param name="Message">Formatted message.</param>
/// <param name="Scopes">Every key-value pair of the entry's scopes, e.g. <c>TraceId</c>.</param>
/// <param name="Level">The entry's level.</param>
public sealed record CapturedLog(string Category, string Message, IReadOnlyDictionary<string, string?> Scopes, LogLevel Level);

/// <summary>
/// Records what a running host logs, scopes included, by joining its <see cref="ILoggerFactory"/> as one more provider:
/// the factory hands it the same scope provider (with <c>TraceId</c> and <c>SpanId</c> from activity tracking) that the
/// console logger gets.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Everything logged since attaching.</summary>
    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    /// <summary>Attaches a capture to <paramref name="services"/>' logger factory.</summary>
    public static LogCapture AttachTo(IServiceProvider services)
    {
        var capture = new LogCapture();
        services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        return capture;
    }

    /// <summary>Entries whose scopes carry <paramref name="traceId"/>.</summary>
    public IReadOnlyList<CapturedLog> WithTraceId(string traceId) =>
        Entries.Where(e => e.Scopes.TryGetValue("TraceId", out var id) && id == traceId).ToArray();

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => capture._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new Dictionary<string, string?>();
            capture._scopes.ForEachScope((scope, values) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    foreach (var (key, value) in pairs) values[key] = value?.ToString();
            }, scopes);
            capture.Entries.Enqueue(new CapturedLog(category, formatter(state, exception), scopes, logLevel));
        }
    }
}
