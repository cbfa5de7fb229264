using System.ComponentModel.DataAnnotations;

namespace GoMicro.Host.Gateway;

/// <summary>
/// The gateway's API-key check (<c>Gateway:ApiKey</c>), the options of the Kong plugin <c>apikey-auth</c>
/// (kong/plugins/apikey-auth/schema.lua) under their .NET names.
/// </summary>
public sealed class EdgeApiKeyOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Gateway:ApiKey";

    /// <summary>YARP cluster id of the auth instances; each destination is asked in turn (the plugin's <c>verification_urls</c>).</summary>
    public string AuthCluster { get; set; } = "auth";

    /// <summary>Path, on an auth instance, of the key check: <c>GET</c> with the <c>x-api-key</c> header, 200 when valid.</summary>
    public string VerificationPath { get; set; } = "/auth/verify/apikey";

    /// <summary>How long a positive answer is trusted (the plugin's <c>cache_ttl</c>, 60 s); also the longest a deactivated
    /// key keeps working through the gateway. Negative answers are never cached, so a new key works at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Exact request paths that need no key (the plugin's <c>public_paths</c>): the module health paths, which
    /// probes call without credentials, and <c>/auth/.well-known/jwks.json</c>, the public keys that verify tokens. Set in appsettings.json, where kong/kong.yml's list is kept the same (a test compares them).</summary>
    public IList<string> PublicPaths { get; set; } = [];

    /// <summary>Bound on one verification call (the plugin's <c>timeout</c>, 2 s); past it the next instance is asked.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);
}
