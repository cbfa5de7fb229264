using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace GoMicro.Modules.Auth.Security;

/// <summary>
/// The key ring: one RSA key that signs new tokens (<see cref="JwtOptions.SigningKeyPath"/>) and any number that only
/// verify (<see cref="JwtOptions.VerificationKeyPaths"/>), so a key can be rotated without signing users out. Every key's
/// id is its RFC 7638 JWK thumbprint (SHA-256, Base64url), written as the token header's <c>kid</c>. In Development with
/// no signing key configured, a 2048-bit key is generated once into <see cref="JwtOptions.DevelopmentKeyFolder"/>,
/// readable by its owner only; outside Development a missing key is a start-up error. The RSA objects are never disposed:
/// IdentityModel caches signature providers process-wide by key id, so a disposed key would break a later host of the
/// same process that loads the same key (tests do; a key lives as long as the process anyway).
/// </summary>
internal sealed class SigningKeys
{
    /// <summary>The private key file's name in the development key folder.</summary>
    public const string DevelopmentKeyFile = "jwt-private.pem";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Signs new tokens with RS256; its key id is <see cref="SigningKeyId"/>.</summary>
    public SigningCredentials SigningCredentials { get; }

    /// <summary>The signing key's <c>kid</c>.</summary>
    public string SigningKeyId { get; }

    /// <summary>Public halves of every key that verifies tokens, the signing key first, one per distinct <c>kid</c>.</summary>
    public IReadOnlyList<RsaSecurityKey> VerificationKeys { get; }

    /// <summary>Loads the keys.</summary>
    /// <exception cref="InvalidOperationException">No signing key outside Development, a key that is not RSA of 2048 bits or
    /// more, or a file that cannot be read (the message names the setting, never the key).</exception>
    public SigningKeys(IOptions<JwtOptions> options, IHostEnvironment environment, ILogger<SigningKeys> logger)
    {
        var o = options.Value;
        var signingPath = o.SigningKeyPath;
        if (string.IsNullOrWhiteSpace(signingPath))
        {
            if (!environment.IsDevelopment())
                throw new InvalidOperationException("Auth:Jwt:SigningKeyPath must name an RSA private key PEM file outside Development.");
            signingPath = EnsureDevelopmentKey(Path.Combine(environment.ContentRootPath, o.DevelopmentKeyFolder), logger);
        }

        var signing = Load(signingPath, "Auth:Jwt:SigningKeyPath", requirePrivate: true);
        var signingKey = new RsaSecurityKey(signing) { KeyId = Thumbprint(signing) };
        SigningKeyId = signingKey.KeyId;
        SigningCredentials = new SigningCredentials(signingKey, SecurityAlgorithms.RsaSha256);

        var verification = new List<RsaSecurityKey> { PublicHalf(signing) };
        for (var i = 0; i < o.VerificationKeyPaths.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(o.VerificationKeyPaths[i])) continue;
            var key = PublicHalf(Load(o.VerificationKeyPaths[i], $"Auth:Jwt:VerificationKeyPaths:{i}", requirePrivate: false));
            if (verification.All(k => k.KeyId != key.KeyId)) verification.Add(key);
        }
        VerificationKeys = verification;
        logger.LogInformation("Signing tokens with key {SigningKeyId}; verifying with {KeyIds}", SigningKeyId, string.Join(", ", verification.Select(k => k.KeyId)));
    }

    /// <summary>The public keys as an RFC 7517 JWK Set: <c>{ "keys": [{ kty, kid, use, alg, n, e }] }</c>, never a private part.</summary>
    public PublicKeySet Jwks() => new(VerificationKeys.Select(key =>
    {
        var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
        return new PublicJwk("RSA", key.KeyId, "sig", SecurityAlgorithms.RsaSha256,
            Base64UrlEncoder.Encode(parameters.Modulus), Base64UrlEncoder.Encode(parameters.Exponent));
    }).ToArray());

    /// <summary>RFC 7638: SHA-256 over the canonical JSON of the public key's required members, Base64url.</summary>
    public static string Thumbprint(RSA rsa)
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)));
        return Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
    }

    private static RsaSecurityKey PublicHalf(RSA rsa)
    {
        var publicOnly = RSA.Create();
        publicOnly.ImportParameters(rsa.ExportParameters(includePrivateParameters: false));
        return new RsaSecurityKey(publicOnly) { KeyId = Thumbprint(publicOnly) };
    }

    private static RSA Load(string path, string setting, bool requirePrivate)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or CryptographicException)
        {
            throw new InvalidOperationException($"{setting} must name a readable RSA PEM file.", ex);
        }
        if (rsa.KeySize < 2048) throw new InvalidOperationException($"{setting}: RSA keys must be 2048 bits or larger.");
        if (requirePrivate)
        {
            try { rsa.ExportParameters(includePrivateParameters: true); }
            catch (CryptographicException ex) { throw new InvalidOperationException($"{setting} must be a private key: it signs tokens.", ex); }
        }
        return rsa;
    }

    private static string EnsureDevelopmentKey(string folder, ILogger logger)
    {
        var path = Path.Combine(folder, DevelopmentKeyFile);
        if (File.Exists(path))
        {
            TightenIfLoose(path, logger);
            return path;
        }

        Directory.CreateDirectory(folder);
        using var rsa = RSA.Create(2048);
        // Written to a temporary name created owner-only, then moved into place without overwriting: when several
        // processes start at once, the first key to land wins and the others read it.
        var temporary = path + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = OwnerOnly;
        using (var writer = new StreamWriter(temporary, System.Text.Encoding.ASCII, create)) writer.Write(rsa.ExportPkcs8PrivateKeyPem());
        try
        {
            File.Move(temporary, path, overwrite: false);
            logger.LogWarning("Generated a development JWT signing key in {Folder} (owner-only); configure Auth:Jwt:SigningKeyPath in production", folder);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }
        return path;
    }

    private static void TightenIfLoose(string path, ILogger logger)
    {
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(path);
        if ((mode & ~OwnerOnly) == 0) return;
        File.SetUnixFileMode(path, OwnerOnly);
        logger.LogWarning("The development JWT signing key {Path} was readable by others ({Mode}); its mode is now 0600", path, mode);
    }
}

/// <summary>An RFC 7517 JWK Set: <c>{ "keys": [...] }</c>.</summary>
/// <param name="Keys">The public keys.</param>
internal sealed record PublicKeySet([property: JsonPropertyName("keys")] IReadOnlyList<PublicJwk> Keys);

/// <summary>One RSA public key as RFC 7517/7518 publish it.</summary>
/// <param name="Kty">Key type, <c>RSA</c>.</param>
/// <param name="Kid">Key id: the RFC 7638 thumbprint, as in the token header.</param>
/// <param name="Use">Public key use, <c>sig</c>.</param>
/// <param name="Alg">Algorithm, <c>RS256</c>.</param>
/// <param name="N">Modulus, Base64url (unsigned big-endian).</param>
/// <param name="E">Public exponent, Base64url.</param>
internal sealed record PublicJwk(
    [property: JsonPropertyName("kty")] string Kty,
    [property: JsonPropertyName("kid")] string Kid,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("alg")] string Alg,
    [property: JsonPropertyName("n")] string N,
    [property: JsonPropertyName("e")] string E);
