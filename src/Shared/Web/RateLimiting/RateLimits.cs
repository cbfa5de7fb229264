using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Shared.Web.RateLimiting;

/// <summary>Registration of the <c>RateLimiting</c> settings (ADR 0018).</summary>
public static class RateLimits
{
    /// <summary>Binds <see cref="RateLimitingOptions"/> and checks them when the host starts.</summary>
    public static IServiceCollection AddRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitingOptions>()
            .Bind(configuration.GetSection(RateLimitingOptions.SectionName))
            .Validate(o => o.WrongPasswordsPerAccount.IsValid && o.AuthRequestsPerAddress.IsValid && o.RequestsPerApiKey.IsValid,
                "every RateLimiting:*:PermitLimit must be 0 (off) or more, and every RateLimiting:*:Window longer than zero")
            .ValidateOnStart();
        return services;
    }
}
