using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Fuzz;

/// <summary>The monolith on real Kestrel (loopback, a free port) with the default request body limit set explicitly,
/// so body limits, chunked bodies and Kestrel's own URL and header limits are what a client meets.</summary>
public sealed class KestrelMonolithTopology : MonolithTopology
{
    /// <summary>The body limit the host is configured with (the appsettings.json default).</summary>
    public const long BodyLimit = 1024 * 1024;

    /// <inheritdoc />
    protected override bool OnKestrel => true;

    /// <inheritdoc />
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Kestrel:Limits:MaxRequestBodySize"] = BodyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The corpus is one client firing well over a thousand sign-ups and sign-ins a minute from loopback: far beyond
        // the per-address limit, which would answer most of them 429 before they are checked (RequestRateLimitTests).
        settings["RateLimiting:AuthRequestsPerAddress:PermitLimit"] = "1000000";
    }
}

/// <summary>Bad-input tests share one Kestrel monolith and run one after another (the fuzz test counts rows).</summary>
[CollectionDefinition(Name)]
public sealed class BadInputCollection : ICollectionFixture<KestrelMonolithTopology>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "bad input on Kestrel";
}
