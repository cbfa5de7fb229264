using GoMicro.Shared.AuthClient.ApiKeys;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GoMicro.Shared.AuthClient;

/// <summary>
/// The Auth client as one unit, which every role with modules runs whether or not the Auth module is in the process: the
/// API-key check, Bearer authentication over the bus with one policy per role, and the caches behind both, evicted by the
/// Auth module's events. The Host places its middleware in the pipeline (<c>WebConventions</c>).
/// </summary>
public static class AuthClientSetup
{
    /// <summary>Bus subjects the API-key check, Bearer authentication and role check request, whatever modules run
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

    /// <summary>Registers the API-key validator, the authentication cache, the Bearer scheme and the role policies
    /// (<see cref="AuthPolicies"/>), with <see cref="ApiKeyOptions"/> and <see cref="AuthenticationCacheOptions"/>
    /// checked when the host starts.</summary>
    public static IServiceCollection AddAuthClient(this IServiceCollection services, IConfiguration configuration)
    {
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
        return services;
    }

    /// <summary>Makes the caches of authentication and API keys listen to the Auth module's events, in every role.</summary>
    public static void MapAuthEvents(this IServiceProvider services, IBusHandlerRegistry registry)
    {
        services.GetRequiredService<AuthenticationCache>().MapEvents(registry);
        services.GetRequiredService<BusApiKeyValidator>().MapEvents(registry);
    }

    /// <summary>Adds the API-key check (401 without a key, 403 with an unknown one) unless <c>ApiKey:Mode</c> is
    /// <see cref="ApiKeyMode.Gateway"/>, where the gateway has checked the key and answered 401/403 itself. Place it
    /// after routing (exempt routes are endpoint metadata) and before the unknown-route 404, as in the reference.</summary>
    public static IApplicationBuilder UseApiKeyCheck(this IApplicationBuilder app, IConfiguration configuration) =>
        ApiKeyModeOf(configuration) == ApiKeyMode.Check ? app.UseMiddleware<ApiKeyMiddleware>() : app;
}
