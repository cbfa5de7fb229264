using System.Security.Cryptography;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// Where the real servers are: scripts/test.sh starts them and exports these variables; the defaults match it.
/// </summary>
public static class TestEnvironment
{
    /// <summary>A PostgreSQL connection string for a role with CREATEDB; tests create and drop their own databases with it.</summary>
    public static string PostgresAdmin { get; } = Environment.GetEnvironmentVariable("GOMICRO_TEST_POSTGRES")
        ?? "Host=localhost;Port=5432;Username=gomicro;Password=gomicro;Database=postgres";

    /// <summary>StackExchange.Redis configuration of the shared test Redis.</summary>
    public static string Redis { get; } = Environment.GetEnvironmentVariable("GOMICRO_TEST_REDIS") ?? "localhost:6379";

    /// <summary>URL of the shared test nats-server.</summary>
    public static string Nats { get; } = Environment.GetEnvironmentVariable("GOMICRO_TEST_NATS") ?? "nats://localhost:4222";

    /// <summary>The development API key every test host seeds.</summary>
    public const string ApiKey = GoMicro.Shared.Modularity.DevelopmentSeed.ApiKey;

    private static readonly Lazy<(string PrivateKey, string PublicKey)> Keys = new(() =>
    {
        var folder = Directory.CreateTempSubdirectory("gomicro-test-keys-").FullName;
        using var rsa = RSA.Create(2048);
        var privatePath = Path.Combine(folder, "private.pem");
        var publicPath = Path.Combine(folder, "public.pem");
        File.WriteAllText(privatePath, rsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(publicPath, rsa.ExportSubjectPublicKeyInfoPem());
        return (privatePath, publicPath);
    });

    /// <summary>PEM files of one RSA key pair for the whole test run, so tokens from one host verify on another.</summary>
    public static (string PrivateKey, string PublicKey) JwtKeyFiles => Keys.Value;
}
