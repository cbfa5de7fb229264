using System.ComponentModel.DataAnnotations;

namespace GoMicro.Host.Gateway;

/// <summary>The gateway role's own settings (<c>Gateway</c>); routes, clusters and health checks are YARP's <c>ReverseProxy</c> section.</summary>
public sealed class GatewayOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Gateway";

    /// <summary>How many other instances a failed request may be sent to (Kong's service <c>retries</c>, 2 in
    /// kong/kong-load-balanced.yml); only requests that cannot be processed twice are resent (<see cref="RetryMiddleware"/>).
    /// 0 switches retries off.</summary>
    [Range(0, 10)]
    public int Retries { get; set; } = 2;
}
