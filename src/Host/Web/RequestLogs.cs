using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpLogging;

namespace GoMicro.Host.Web;

/// <summary>
/// One log line per completed HTTP request, written by ASP.NET Core's HTTP logging middleware (category
/// <see cref="Category"/>, level Information): <c>Method</c>, <c>Route</c> (the endpoint's route template, e.g.
/// <c>/blog/{id}</c>, never the raw path with its ids), <c>StatusCode</c>, <c>Duration</c> (milliseconds) and <c>TraceId</c>
/// (W3C, 32 hex digits), combined into one entry; <c>/health</c> probes are left out. No header, query string or body is logged, so tokens, API keys and
/// passwords never reach the log. appsettings.json keeps <c>Microsoft.AspNetCore</c> at Warning, which turns the line off
/// (the middleware then costs one <c>ILogger.IsEnabled</c> check per request); appsettings.Development.json turns it on.
/// </summary>
public static class RequestLogs
{
    /// <summary>The logger category of the request lines (the framework middleware's type name).</summary>
    public const string Category = "Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware";

    /// <summary>Route value logged for a request no endpoint matched (a 404), so unknown paths do not fill the log with ids.</summary>
    public const string UnmatchedRoute = "(unmatched)";

    /// <summary>Registers the HTTP logging options and the interceptor that adds the route template and the trace id.</summary>
    public static IServiceCollection AddRequestLogs(this IServiceCollection services)
    {
        services.AddHttpLogging(o =>
        {
            o.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            o.CombineLogs = true;
        });
        services.AddHttpLoggingInterceptor<RouteAndTraceInterceptor>();
        return services;
    }

    /// <summary>Adds the middleware; call it first, so the line shows the final status (after the exception handler) and
    /// the whole duration.</summary>
    public static IApplicationBuilder UseRequestLogs(this IApplicationBuilder app) => app.UseHttpLogging();

    /// <summary>Adds the route template and the trace id when the response starts (routing has run by then). The
    /// exception handler clears the endpoint before it writes a 500, so the endpoint it recorded is used then.</summary>
    private sealed class RouteAndTraceInterceptor : IHttpLoggingInterceptor
    {
        public ValueTask OnRequestAsync(HttpLoggingInterceptorContext logContext)
        {
            // Probes arrive every second or two from the gateway and orchestrators; like the traces, the log leaves them out.
            if (logContext.HttpContext.Request.Path.StartsWithSegments("/health")) logContext.LoggingFields = HttpLoggingFields.None;
            return ValueTask.CompletedTask;
        }

        public ValueTask OnResponseAsync(HttpLoggingInterceptorContext logContext)
        {
            if (logContext.LoggingFields == HttpLoggingFields.None) return ValueTask.CompletedTask;
            var context = logContext.HttpContext;
            var endpoint = context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
            logContext.AddParameter("Route", (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? UnmatchedRoute);
            var activity = context.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current;
            logContext.AddParameter("TraceId", activity?.TraceId.ToHexString());
            return ValueTask.CompletedTask;
        }
    }
}
