using Microsoft.Extensions.Configuration;

namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>A YARP route of the gateway role: the cluster it sends to, its path pattern and its transforms.</summary>
internal sealed record GatewayRoute(string Id, string ClusterId, string Path, IReadOnlyList<IReadOnlyDictionary<string, string>> Transforms);

/// <summary>A YARP cluster of the gateway role: its balancing policy and the path of its active health check.</summary>
internal sealed record GatewayCluster(string Id, string? LoadBalancingPolicy, string? ActiveHealthPath);

/// <summary>
/// The gateway role's configuration as appsettings.json gives it: YARP's <c>ReverseProxy</c> section and the
/// API-key check's public paths (<c>Gateway:ApiKey:PublicPaths</c>), read with the configuration system the Host
/// uses, so keys are case-insensitive as they are for YARP.
/// </summary>
internal sealed record GatewayConfig(IReadOnlyList<GatewayRoute> Routes, IReadOnlyList<GatewayCluster> Clusters, IReadOnlyList<string> PublicPaths)
{
    public static GatewayConfig Load(string relativePath) => From(new ConfigurationBuilder().AddJsonFile(RepositoryFiles.Path(relativePath)).Build());

    public static GatewayConfig Parse(string json)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        return From(new ConfigurationBuilder().AddJsonStream(stream).Build());
    }

    private static GatewayConfig From(IConfiguration configuration)
    {
        var proxy = configuration.GetSection("ReverseProxy");
        var routes = proxy.GetSection("Routes").GetChildren()
            .Select(r => new GatewayRoute(r.Key, r["ClusterId"] ?? "", r["Match:Path"] ?? "",
                r.GetSection("Transforms").GetChildren()
                    .Select(t => (IReadOnlyDictionary<string, string>)t.GetChildren().ToDictionary(e => e.Key, e => e.Value ?? "", StringComparer.OrdinalIgnoreCase))
                    .ToList()))
            .ToList();
        var clusters = proxy.GetSection("Clusters").GetChildren()
            .Select(c => new GatewayCluster(c.Key, c["LoadBalancingPolicy"], string.Equals(c["HealthCheck:Active:Enabled"], "true", StringComparison.OrdinalIgnoreCase) ? c["HealthCheck:Active:Path"] : null))
            .ToList();
        var publicPaths = configuration.GetSection("Gateway:ApiKey:PublicPaths").GetChildren().Select(p => p.Value ?? "").ToList();
        return new GatewayConfig(routes, clusters, publicPaths);
    }
}
