using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GoMicro.Shared.AuthClient.Authentication;

/// <summary>
/// Hits and misses of the process-local caches (<see cref="EventEvictedCache{T}"/>) as the counter
/// <c>gomicro.cache.lookups</c> (unit <c>{lookup}</c>) of meter <see cref="MeterName"/>, with attributes <c>cache.name</c>
/// and <c>cache.result</c> (<c>hit</c> or <c>miss</c>). OpenTelemetry has no semantic convention for caches yet, so the
/// name follows its general naming rules (a namespace, a plural noun for a count, and attributes for the dimensions); the
/// hybrid cache reports its own as <c>fusioncache.cache.hit</c> and <c>fusioncache.cache.miss</c>.
/// </summary>
public static class CacheMetrics
{
    /// <summary>The meter's name, which the Host's observability registers.</summary>
    public const string MeterName = "GoMicro.Cache";

    /// <summary>The counter's name.</summary>
    public const string LookupsName = "gomicro.cache.lookups";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Lookups = Meter.CreateCounter<long>(LookupsName, "{lookup}", "Lookups in a process-local cache, by cache and result.");

    /// <summary>Counts one lookup; costs one branch while nothing listens (no OTLP endpoint).</summary>
    /// <param name="cacheName">The cache, e.g. <c>gomicro.authentication</c>.</param>
    /// <param name="hit">Whether a trusted entry was found.</param>
    internal static void Record(string cacheName, bool hit)
    {
        if (!Lookups.Enabled) return;
        Lookups.Add(1, new TagList { { "cache.name", cacheName }, { "cache.result", hit ? "hit" : "miss" } });
    }
}
