using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GoMicro.Modules.Auth.Security;

/// <summary>
/// Loads the RSA key pair that signs tokens from the PEM files in <see cref="JwtOptions"/>. In Development with no
/// paths configured it generates a 2048-bit pair once into <see cref="JwtOptions.DevelopmentKeyFolder"/> and reuses it,
/// so tokens survive restarts; outside Development a missing key is a start-up error.
/// </summary>
internal sealed class RsaKeyProvider : IDisposable
{
    public RSA PrivateKey { get; }
    public RSA PublicKey { get; }

    public RsaKeyProvider(IOptions<JwtOptions> options, IHostEnvironment environment, ILogger<RsaKeyProvider> logger)
    {
        var o = options.Value;
        var privatePath = o.PrivateKeyPath;
        var publicPath = o.PublicKeyPath;
        if (string.IsNullOrWhiteSpace(privatePath))
        {
            if (!environment.IsDevelopment())
                throw new InvalidOperationException("Auth:Jwt:PrivateKeyPath must name an RSA private key PEM file outside Development.");
            (privatePath, publicPath) = EnsureDevelopmentKeys(Path.Combine(environment.ContentRootPath, o.DevelopmentKeyFolder), logger);
        }

        PrivateKey = RSA.Create();
        PrivateKey.ImportFromPem(File.ReadAllText(privatePath));
        PublicKey = RSA.Create();
        if (string.IsNullOrWhiteSpace(publicPath)) PublicKey.ImportParameters(PrivateKey.ExportParameters(false));
        else PublicKey.ImportFromPem(File.ReadAllText(publicPath));
        if (PrivateKey.KeySize < 2048) throw new InvalidOperationException("Auth:Jwt keys must be RSA 2048 bits or larger.");
    }

    private static (string PrivatePath, string PublicPath) EnsureDevelopmentKeys(string folder, ILogger logger)
    {
        var privatePath = Path.Combine(folder, "jwt-private.pem");
        var publicPath = Path.Combine(folder, "jwt-public.pem");
        if (File.Exists(privatePath) && File.Exists(publicPath)) return (privatePath, publicPath);

        Directory.CreateDirectory(folder);
        using var rsa = RSA.Create(2048);
        // Write both to temporary names, then move into place without overwriting: when several processes start at
        // once, the first pair to land wins and the others read it.
        var suffix = $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(publicPath + suffix, rsa.ExportSubjectPublicKeyInfoPem());
        File.WriteAllText(privatePath + suffix, rsa.ExportPkcs8PrivateKeyPem());
        try
        {
            File.Move(privatePath + suffix, privatePath, overwrite: false);
            File.Move(publicPath + suffix, publicPath, overwrite: true);
            logger.LogWarning("Generated a development JWT key pair in {Folder}; configure Auth:Jwt:PrivateKeyPath in production", folder);
        }
        catch (IOException) when (File.Exists(privatePath))
        {
            File.Delete(privatePath + suffix);
            File.Delete(publicPath + suffix);
            SpinWait.SpinUntil(() => File.Exists(publicPath), TimeSpan.FromSeconds(5));
        }
        return (privatePath, publicPath);
    }

    public void Dispose()
    {
        PrivateKey.Dispose();
        PublicKey.Dispose();
    }
}
