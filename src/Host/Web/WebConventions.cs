using System.Text.Json.Serialization;
using GoMicro.Shared.AuthClient;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.WebUtilities;

namespace GoMicro.Host.Web;

/// <summary>The cross-cutting HTTP behaviour of api.md sections 1 and 2, shared by every module and role.</summary>
public static class WebConventions
{
    /// <summary>404 text for a route nobody serves.</summary>
    public const string UrlNotFound = "url not found";

    /// <summary>
    /// Registers the envelope JSON settings, the exception handler, the request log line (<see cref="RequestLogs"/>), the trusted proxies, the rate limits, the API-key check,
    /// Bearer authentication over the bus with one policy per role, health checks and the OpenAPI document.
    /// </summary>
    public static IServiceCollection AddWebConventions(this IServiceCollection services, IConfiguration configuration)
    {
        // A change to these options reaches cached Blog views only as they reload, and ApiResults writes a rendered view's
        // envelope names itself: change BlogCache's view format segment with it (ADR 25).
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull);
        // Binding failures (malformed JSON, wrong types) throw BadHttpRequestException, which the handler turns into a 400 envelope.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddRequestLogs();
        services.AddRequestBodyLimit(configuration);
        services.AddForwardedClients(configuration);
        services.AddRateLimits(configuration);

        services.AddAuthClient(configuration);

        services.AddHealthChecks();
        services.AddApiDocument();
        return services;
    }

    /// <summary>
    /// The middleware order that makes the contract hold: the request log line (outermost, so it sees the final status); the client address from trusted proxies; errors become envelopes; oversized bodies get 413;
    /// API documents; routing; the API-key check (before the 404, as in the reference; none in <c>ApiKey:Mode=Gateway</c>); rate limits (429);
    /// authentication and authorization; then <c>url not found</c> for anything no endpoint served.
    /// </summary>
    public static WebApplication UseWebConventions(this WebApplication app)
    {
        app.UseRequestLogs();
        app.UseForwardedClients(app.Configuration);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Every exception is handled by ApiExceptionHandler; this is only the required fallback.
            ExceptionHandler = context => ApiResults.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, ApiExceptionHandler.InternalErrorMessage),
        });
        app.UseStatusCodePages(context =>
        {
            var status = context.HttpContext.Response.StatusCode;
            var message = status switch
            {
                StatusCodes.Status404NotFound => UrlNotFound,
                StatusCodes.Status405MethodNotAllowed => "method not allowed",
                _ => ReasonPhrases.GetReasonPhrase(status).ToLowerInvariant(),
            };
            return ApiResults.WriteErrorAsync(context.HttpContext, status, message);
        });
        // The caches of authentication and API keys listen to the Auth module's events in every role.
        app.Services.MapAuthEvents(app.Services.GetRequiredService<BusHandlerRegistry>());
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseApiDocument();
        app.UseRouting();
        app.UseApiKeyCheck(app.Configuration);
        app.UseRateLimits();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapProbeEndpoints();
        return app;
    }
}
