using System.Text.Json.Serialization;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Web.ApiKeys;
using GoMicro.Shared.Web.Authentication;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using GoMicro.Shared.Web.Forwarding;
using GoMicro.Shared.Web.Health;
using GoMicro.Shared.Web.Limits;
using GoMicro.Shared.Web.Logging;
using GoMicro.Shared.Web.OpenApi;
using GoMicro.Shared.Web.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GoMicro.Shared.Web;

/// <summary>The cross-cutting HTTP behaviour of api.md sections 1 and 2, shared by every module and role.</summary>
public static class WebConventions
{
    /// <summary>404 text for a route nobody serves.</summary>
    public const string UrlNotFound = "url not found";

    /// <summary>Bus subjects the shared API-key check, Bearer authentication and role check request, whatever modules run
    /// (<see cref="AuthSubjects.Authorization"/> only when an authentication reply carries no roles;
    /// <see cref="AuthSubjects.ApiKeyVerify"/> only in <see cref="ApiKeyMode.Check"/>).</summary>
    public static IReadOnlyCollection<string> CalledSubjects(IConfiguration configuration) =>
        ApiKeyModeOf(configuration) == ApiKeyMode.Check
            ? [AuthSubjects.ApiKeyVerify, AuthSubjects.Authentication, AuthSubjects.Authorization]
            : [AuthSubjects.Authentication, AuthSubjects.Authorization];

    /// <summary><c>ApiKey:Mode</c>, read once at start-up because it decides the middleware pipeline.</summary>
    /// <exception cref="InvalidOperationException">The value is not one of <see cref="ApiKeyMode"/>'s names.</exception>
    public static ApiKeyMode ApiKeyModeOf(IConfiguration configuration)
    {
        var configured = configuration[$"{ApiKeyOptions.SectionName}:{nameof(ApiKeyOptions.Mode)}"];
        if (string.IsNullOrWhiteSpace(configured)) return ApiKeyMode.Check;
        return Enum.TryParse<ApiKeyMode>(configured, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
            ? mode
            : throw new InvalidOperationException(
                $"unknown ApiKey:Mode '{configured}'. Valid values: {string.Join(", ", Enum.GetNames<ApiKeyMode>())}.");
    }

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

        services.AddOptions<ApiKeyOptions>().Bind(configuration.GetSection(ApiKeyOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthenticationCacheOptions>().Bind(configuration.GetSection(AuthenticationCacheOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BusApiKeyValidator>();
        services.AddSingleton<IApiKeyValidator>(sp => sp.GetRequiredService<BusApiKeyValidator>());
        services.AddSingleton<AuthenticationCache>();

        // No default scheme: only endpoints with a policy authenticate, so public routes never cost a bus request.
        // ASP.NET Core 7+ would otherwise infer the only registered scheme as the default and authenticate every request.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, BusAuthenticationHandler>(BusAuthenticationHandler.SchemeName, null);
        services.AddSingleton<IAuthorizationHandler, RoleAuthorizationHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Authenticated, p => p.AddAuthenticationSchemes(BusAuthenticationHandler.SchemeName).RequireAuthenticatedUser());
        services.AddAuthorization(o =>
        {
            foreach (var role in RoleCodes.All)
                o.AddPolicy(AuthPolicies.Role(role), p => p.AddAuthenticationSchemes(BusAuthenticationHandler.SchemeName)
                    .RequireAuthenticatedUser().AddRequirements(new RoleRequirement([role])));
        });

        services.AddHealthChecks();
        services.AddApiDocument();
        return services;
    }

    /// <summary>
    /// The middleware order that makes the contract hold: the request log line (outermost, so it sees the final status); the client address from trusted proxies; errors become envelopes; oversized bodies get 413;
    /// API documents; routing; the API-key check (before the 404, as in the reference; none in <see cref="ApiKeyMode.Gateway"/>); rate limits (429);
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
        var registry = app.Services.GetRequiredService<BusHandlerRegistry>();
        app.Services.GetRequiredService<AuthenticationCache>().MapEvents(registry);
        app.Services.GetRequiredService<BusApiKeyValidator>().MapEvents(registry);
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseApiDocument();
        app.UseRouting();
        // In Gateway mode the gateway has checked the key (and answered 401/403 itself), so nothing here asks for it.
        if (ApiKeyModeOf(app.Configuration) == ApiKeyMode.Check) app.UseMiddleware<ApiKeyMiddleware>();
        app.UseRateLimits();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapProbeEndpoints();
        return app;
    }
}
