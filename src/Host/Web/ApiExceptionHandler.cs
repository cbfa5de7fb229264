using System.Diagnostics;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using GoMicro.Shared.Web.RateLimiting;
using GoMicro.Shared.Web.Validation;
using Microsoft.AspNetCore.Diagnostics;

namespace GoMicro.Host.Web;

/// <summary>
/// Turns every exception that escapes an endpoint into an envelope: <see cref="ApiException"/> as itself,
/// bad request bodies as 400, an unavailable bus peer as 503 naming the service, an unavailable dependency of this
/// process (<see cref="DependencyFault"/>: its database) as 503 naming it, anything else as 500 with a
/// generic text (the exception goes to the log, and to the body only in Development, per api.md section 1).
/// </summary>
internal sealed class ApiExceptionHandler(IHostEnvironment environment, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public const string InternalErrorMessage = "something went wrong";

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case ApiException { RetryAfter: { } retryAfter } limited:
                await TooManyRequests.WriteAsync(context, retryAfter, limited.Message);
                return true;

            case ApiException api:
                await ApiResults.WriteErrorAsync(context, api.StatusCode, api.Message);
                return true;

            case BadHttpRequestException bad:
                // Malformed or wrongly typed JSON, a missing body, a wrong content type, or a body over the size limit:
                // said in the field's terms; the parser's own text goes to the debug log only, in every environment.
                var (status, message) = BindingFailures.Describe(context, context.Features.Get<IExceptionHandlerFeature>()?.Endpoint, bad);
                logger.LogDebug(bad, "Request {Method} {Path} could not be bound: {Answer}", context.Request.Method, context.Request.Path, message);
                await ApiResults.WriteErrorAsync(context, status, message);
                return true;

            case BusUnavailableException unavailable:
                logger.LogWarning("Request {Path} failed: {Reason}", context.Request.Path, unavailable.Message);
                await ApiResults.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, unavailable.Message);
                return true;

            case var fault when DependencyFault.Of(fault) is { } dependency:
                // A dependency of this process (its database) is unreachable or refuses it: 503 naming it, never 500.
                logger.LogWarning("Request {Method} {Path} failed: {Dependency} unavailable ({Reason})", context.Request.Method, context.Request.Path,
                    dependency, fault.Message);
                await ApiResults.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, DependencyFault.Message(dependency));
                return true;

            default:
                // The one error line of the failure: returning true tells ASP.NET Core 10's exception handler middleware not to
                // log it again. The trace id is in the text too, since the Development console writes no scopes.
                logger.LogError(exception, "Unhandled exception on {Method} {Path} (trace {TraceId})", context.Request.Method, context.Request.Path,
                    Activity.Current?.TraceId.ToHexString());
                await ApiResults.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, InternalErrorMessage,
                    environment.IsDevelopment() ? new { exception = exception.ToString() } : null);
                return true;
        }
    }
}
