using GoMicro.Host.Web;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Health;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy.Forwarder;

namespace GoMicro.Host.Gateway;

/// <summary>
/// The <c>gateway</c> role: no module and no database, only YARP in front of the auth and blog instances, configured
/// from the standard <c>ReverseProxy</c> section (routes, clusters, destinations, load balancing, health checks), with
/// the Kong plugin's API-key check at the edge (<see cref="EdgeApiKeyMiddleware"/>). Routes keep the <c>/auth</c> and
/// <c>/blog</c> prefixes, as Kong's <c>strip_path: false</c> (kong/kong.yml). YARP sets <c>X-Forwarded-For</c>,
/// <c>-Proto</c> and <c>-Host</c> on every proxied request by default.
/// </summary>
public static class GatewayApplication
{
    /// <summary>Role name.</summary>
    public const string Role = "gateway";

    /// <summary>Text of the 503 when the chosen instance gave no answer or no instance of a cluster is up.</summary>
    public const string UnavailableMessage = "service unavailable";

    /// <summary>Registers YARP from <c>ReverseProxy</c>, the API-key check and the gateway's probes.</summary>
    /// <exception cref="StartupException"><c>ReverseProxy:Routes</c> is empty: the gateway would answer 404 to everything.</exception>
    public static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        if (!configuration.GetSection("ReverseProxy:Routes").GetChildren().Any())
            throw new StartupException(
                "the gateway role has no routes (ReverseProxy:Routes is empty): run it where appsettings.json is its content root " +
                "(the binary's folder, or ASPNETCORE_CONTENTROOT), or give the ReverseProxy section another way");
        services.AddReverseProxy().LoadFromConfig(configuration.GetSection("ReverseProxy"));
        // A short window, so an instance that stops answering is taken out after a few failures, not after 30% of a minute's traffic.
        services.Configure<Yarp.ReverseProxy.Health.TransportFailureRateHealthPolicyOptions>(configuration.GetSection("Gateway:PassiveHealth"));
        services.AddOptions<EdgeApiKeyOptions>().Bind(configuration.GetSection(EdgeApiKeyOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddMemoryCache();
        // Redirects would point the client at an instance the gateway hides.
        services.AddHttpClient(EdgeApiKeyMiddleware.ClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        services.AddHealthChecks().AddCheck<ClusterHealthCheck>("gateway-clusters", tags: [HealthEndpoints.ReadyTag]);
    }

    /// <summary>
    /// The pipeline: the gateway's own probes and Swagger UI (over both modules' documents, proxied by the routes
    /// <c>auth-openapi</c> and <c>blog-openapi</c>), then the proxy with the key check before load balancing and the
    /// retry of a failed request on another instance around it; a forwarding failure becomes 503 in the envelope, and anything no route matches 404 <c>url not found</c>.
    /// </summary>
    public static void UsePipeline(WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthEndpoints.ReadyTag) });
        app.UseSwaggerUiBranch(options =>
        {
            options.SwaggerEndpoint("/openapi/auth.json", "Auth (/auth)");
            options.SwaggerEndpoint("/openapi/blog.json", "Blog (/blog)");
        });
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(async (context, next) =>
            {
                await next();
                // YARP answers 502/503/504 with an empty body; clients of this API always get the envelope, and a
                // peer service that does not answer is 503 (the guide's rule for dependency faults).
                var failed = context.Features.Get<IForwarderErrorFeature>() is not null || context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable;
                if (failed && !context.Response.HasStarted)
                    await ApiResults.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, UnavailableMessage);
            });
            proxy.UseMiddleware<EdgeApiKeyMiddleware>();
            proxy.UseMiddleware<RetryMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        app.MapFallback(context => ApiResults.WriteErrorAsync(context, StatusCodes.Status404NotFound, Web.WebConventions.UrlNotFound));
    }

    /// <summary>Ready while every cluster has at least one instance that passes its health checks.</summary>
    private sealed class ClusterHealthCheck(Yarp.ReverseProxy.IProxyStateLookup proxyState) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var down = proxyState.GetClusters().Where(c => c.DestinationsState.AvailableDestinations.Count == 0).Select(c => c.ClusterId).ToArray();
            return Task.FromResult(down.Length == 0
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"no instance up in cluster {string.Join(", ", down)}"));
        }
    }
}
