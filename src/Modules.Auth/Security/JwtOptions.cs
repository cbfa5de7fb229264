namespace GoMicro.Modules.Auth.Security;

/// <summary>Token settings bound from <c>Auth:Jwt</c>.</summary>
internal sealed class JwtOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Auth:Jwt";

    /// <summary><c>iss</c> claim written and required.</summary>
    public string Issuer { get; set; } = "gomicro";

    /// <summary><c>aud</c> claim written (one value) and required.</summary>
    public string Audience { get; set; } = "gomicro";

    /// <summary>PEM file with the RSA private key (PKCS#1 or PKCS#8). Required outside Development.</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>PEM file with the RSA public key; when empty, the public half of the private key is used.</summary>
    public string? PublicKeyPath { get; set; }

    /// <summary>Access token validity; the reference's default is 2 days.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Refresh token validity; the reference's default is 7 days.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Development only, when no key paths are set: folder (relative to the content root) where a key pair is
    /// generated on first start and reused afterwards. Git-ignored.</summary>
    public string DevelopmentKeyFolder { get; set; } = ".keys";

    /// <summary>Tolerance for <c>nbf</c> and <c>exp</c> between machines' clocks.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
