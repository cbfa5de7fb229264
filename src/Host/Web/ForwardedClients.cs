using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace GoMicro.Host.Web;

/// <summary>
/// The client address behind a gateway: ASP.NET Core's forwarded-headers middleware takes it from <c>X-Forwarded-For</c>,
/// but only from the proxies named in <c>ForwardedHeaders:TrustedProxies</c>. With none named (the default) the header is
/// ignored, so a client can never choose the address it is counted under; the framework's own default of trusting
/// loopback is dropped as well, since any local process could then do so.
/// </summary>
public static class ForwardedClients
{
    /// <summary>Configuration key of the trusted proxies: a comma-separated list of addresses (<c>10.0.0.5</c>) and networks
    /// in CIDR notation (<c>10.0.0.0/8</c>), IPv4 or IPv6; empty (the default) trusts none.</summary>
    public const string TrustedProxiesKey = "ForwardedHeaders:TrustedProxies";

    /// <summary>The proxies and networks configured under <see cref="TrustedProxiesKey"/>, read once at start-up.</summary>
    /// <exception cref="InvalidOperationException">An entry is neither an IP address nor a CIDR network.</exception>
    public static IReadOnlyList<IPNetwork> TrustedProxiesOf(IConfiguration configuration)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in (configuration[TrustedProxiesKey] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (IPAddress.TryParse(entry, out var address))
                networks.Add(new IPNetwork(address, address.GetAddressBytes().Length * 8));
            else if (IPNetwork.TryParse(entry, out var network))
                networks.Add(network);
            else
                throw new InvalidOperationException(
                    $"{TrustedProxiesKey} holds '{entry}', which is neither an IP address nor a CIDR network such as 10.0.0.0/8.");
        }
        return networks;
    }

    /// <summary>Trusts <c>X-Forwarded-For</c> from the configured proxies only. A chain of trusted proxies is walked from the
    /// nearest one; the first address that is not a trusted proxy is the client.</summary>
    public static IServiceCollection AddForwardedClients(this IServiceCollection services, IConfiguration configuration)
    {
        var trusted = TrustedProxiesOf(configuration);
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            options.ForwardLimit = null;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in trusted) options.KnownIPNetworks.Add(network);
        });
        return services;
    }

    /// <summary>Adds the forwarded-headers middleware when any proxy is trusted; first in the pipeline, so everything after
    /// it (logs, limits) sees the client's address.</summary>
    public static IApplicationBuilder UseForwardedClients(this IApplicationBuilder app, IConfiguration configuration) =>
        TrustedProxiesOf(configuration).Count > 0 ? app.UseForwardedHeaders() : app;
}
