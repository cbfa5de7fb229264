using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using GoMicro.Shared.Web.ApiKeys;
using GoMicro.Shared.Web.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace GoMicro.Host.Web;

/// <summary>
/// The request limits of <see cref="RateLimitingOptions"/> on ASP.NET Core's rate-limiting middleware (ADR 0018): a
/// global limiter per API key and the <see cref="RateLimitPolicies.AuthRequestsPerAddress"/> policy per client address
/// (the address the forwarded-headers middleware settled on, see <see cref="ForwardedClients"/>).
/// </summary>
public static class RateLimits
{
    /// <summary><c>Retry-After</c> when a limiter gives none (the fixed windows always do).</summary>
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>Binds <see cref="RateLimitingOptions"/> (checked when the host starts) and registers the limiters.</summary>
    public static IServiceCollection AddRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitingOptions>()
            .Bind(configuration.GetSection(RateLimitingOptions.SectionName))
            .Validate(o => o.WrongPasswordsPerAccount.IsValid && o.AuthRequestsPerAddress.IsValid && o.RequestsPerApiKey.IsValid && o.CommentsPerUser.IsValid,
                "every RateLimiting:*:PermitLimit must be 0 (off) or more, and every RateLimiting:*:Window longer than zero")
            .ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitingOptions>>((limiter, limits) =>
        {
            var perKey = limits.Value.RequestsPerApiKey;
            var perAddress = limits.Value.AuthRequestsPerAddress;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, _) => new ValueTask(TooManyRequests.WriteAsync(rejected.HttpContext,
                rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : DefaultRetryAfter));
            if (perKey.Enabled)
                limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    ApiKeyOf(context) is { } key ? RateLimitPartition.GetFixedWindowLimiter(key, _ => Window(perKey)) : RateLimitPartition.GetNoLimiter(""));
            limiter.AddPolicy(RateLimitPolicies.AuthRequestsPerAddress, context =>
                perAddress.Enabled && ClientOf(context.Connection.RemoteIpAddress) is { } client
                    ? RateLimitPartition.GetFixedWindowLimiter(client, _ => Window(perAddress))
                    : RateLimitPartition.GetNoLimiter(IPAddress.None));
        });
        return services;
    }

    /// <summary>The key that this request is counted under: the <c>x-api-key</c> of a route that takes one. The API-key
    /// check runs first (or, in <c>ApiKey:Mode=Gateway</c>, the gateway did), so only accepted keys get a count;
    /// a flood of made-up keys is answered 403 and costs no memory here.</summary>
    private static string? ApiKeyOf(HttpContext context)
    {
        if (ApiKeyRoutes.IsExempt(context)) return null;
        string? key = context.Request.Headers[ApiKeyRoutes.HeaderName];
        return string.IsNullOrEmpty(key) ? null : key;
    }

    /// <summary>The client an address belongs to: an IPv4 address itself (also when it arrives IPv4-mapped), an IPv6
    /// address's /64, which is what one subscriber is normally given (RFC 6177), so walking through its addresses does not
    /// escape the limit. Null when the server knows no address (in-memory test server, Unix socket).</summary>
    internal static IPAddress? ClientOf(IPAddress? address)
    {
        if (address is null) return null;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    private static FixedWindowRateLimiterOptions Window(FixedWindowRule rule) =>
        new() { PermitLimit = rule.PermitLimit, Window = rule.Window, QueueLimit = 0 };

    /// <summary>Adds the rate-limiting middleware: after routing (the policies are endpoint metadata) and the API-key check
    /// (only accepted keys are counted), before authentication (a refused request costs no token check).</summary>
    public static IApplicationBuilder UseRateLimits(this IApplicationBuilder app) => app.UseRateLimiter();
}
