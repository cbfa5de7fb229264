using System.ComponentModel.DataAnnotations;

namespace GoMicro.Modules.Auth.Security;

/// <summary>Token settings bound from <c>Auth:Jwt</c>.</summary>
internal sealed class JwtOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Auth:Jwt";

    /// <summary><c>iss</c> claim written and required.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Issuer { get; set; } = "gomicro";

    /// <summary><c>aud</c> claim written (one value) and required.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Audience { get; set; } = "gomicro";

    /// <summary>PEM file with the RSA private key (PKCS#1 or PKCS#8, 2048 bits or more) that signs new tokens. Required
    /// outside Development.</summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>PEM files of further RSA keys (public, or private of which only the public half is used) that verify
    /// tokens but sign none: the previous signing key during a rotation. Bound from <c>Auth:Jwt:VerificationKeyPaths:0</c>, <c>:1</c>, ...</summary>
    public List<string> VerificationKeyPaths { get; set; } = [];

    /// <summary>Access token validity; the reference's default is 2 days.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Refresh token validity; the reference's default is 7 days.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Development only, when no signing key is set: folder (relative to the content root) where a private key
    /// is generated on first start (mode 0600) and reused afterwards. Git-ignored.</summary>
    public string DevelopmentKeyFolder { get; set; } = ".keys";

    /// <summary>Tolerance for <c>nbf</c> and <c>exp</c> between machines' clocks.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
