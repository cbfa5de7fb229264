using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Auth.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>
/// The classic attacks on JWT verification (RFC 8725), each refused for its own reason; key ids (RFC 7638) and the key
/// ring that lets a key be rotated without signing anyone out.
/// </summary>
public sealed class JwtTokenServiceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private readonly ManualTime _time = new(Now);
    private readonly JwtTokenService _service;
    private readonly Guid _subject = Guid.NewGuid();

    public JwtTokenServiceTests() => _service = CreateService(_time, "gomicro", "gomicro", TestEnvironment.JwtKeyFiles.PrivateKey);

    [Fact]
    public async Task A_token_it_signed_verifies_with_its_claims()
    {
        var token = _service.Create(_subject, "key-1", TimeSpan.FromHours(1));
        var result = await _service.ValidateAsync(token, checkExpiry: true);
        Assert.Null(result.Reason);
        Assert.Equal(_subject, result.Claims.Subject);
        Assert.Equal("key-1", result.Claims.Id);
        Assert.Equal(Now.AddHours(1), result.Claims.ExpiresAt);
    }

    [Fact]
    public void The_header_declares_rs256_and_the_rfc_7638_thumbprint_of_the_key_as_kid()
    {
        using var header = JsonDocument.Parse(Decode(_service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.')[0]));
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal(ThumbprintByHand(TestEnvironment.JwtKeyFiles.PublicKey), header.RootElement.GetProperty("kid").GetString());
    }

    [Fact]
    public async Task Alg_none_is_rejected()
    {
        var parts = _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.');
        var none = Encode("""{"alg":"none","typ":"JWT"}""");
        Assert.Equal("not a compact JWS", await ReasonAsync(none + "." + parts[1] + "."));
        // With a signature part it parses, but RS256 is the only valid algorithm.
        Assert.Equal("algorithm", await ReasonAsync(none + "." + parts[1] + "." + parts[2]));
    }

    [Fact]
    public async Task Hs256_signed_with_the_public_key_as_secret_is_rejected()
    {
        var parts = _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.');
        var signingInput = Encode("""{"alg":"HS256","typ":"JWT"}""") + "." + parts[1];
        var secret = Encoding.ASCII.GetBytes(File.ReadAllText(TestEnvironment.JwtKeyFiles.PublicKey));
        var signature = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput));
        Assert.Equal("algorithm", await ReasonAsync(signingInput + "." + Base64Url.EncodeToString(signature)));
    }

    [Fact]
    public async Task A_tampered_payload_is_rejected()
    {
        var parts = _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.');
        var payload = Decode(parts[1]).Replace(_subject.ToString(), Guid.NewGuid().ToString());
        Assert.Equal("signature", await ReasonAsync(parts[0] + "." + Encode(payload) + "." + parts[2]));
    }

    [Fact]
    public async Task A_tampered_signature_is_rejected()
    {
        var parts = _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[10] ^= 0x01;
        Assert.Equal("signature", await ReasonAsync(parts[0] + "." + parts[1] + "." + Base64Url.EncodeToString(signature)));
    }

    [Fact]
    public async Task A_token_signed_by_another_key_is_rejected()
    {
        // It names its own key's kid, which the ring does not hold; without a kid, no ring key verifies its signature.
        var forged = CreateService(_time, "gomicro", "gomicro", NewKeyFile()).Create(_subject, "k", TimeSpan.FromHours(1));
        Assert.Equal("kid", await ReasonAsync(forged));
        using var other = RSA.Create(2048);
        Assert.Equal("signature", await ReasonAsync(Sign(new RsaSecurityKey(other), Claims(Now, Now.AddHours(1)))));
    }

    [Fact]
    public async Task A_token_signed_by_another_key_under_our_kid_is_rejected()
    {
        using var other = RSA.Create(2048);
        var ourKid = ThumbprintByHand(TestEnvironment.JwtKeyFiles.PublicKey);
        var forged = Sign(new RsaSecurityKey(other) { KeyId = ourKid }, Claims(Now, Now.AddHours(1)));
        Assert.Equal("signature", await ReasonAsync(forged));
    }

    [Fact]
    public async Task An_expired_token_is_rejected_unless_expiry_is_waived_for_refresh()
    {
        var token = _service.Create(_subject, "k", TimeSpan.FromMinutes(5));
        _time.Now = Now.AddMinutes(6);
        Assert.Equal("expired", await ReasonAsync(token));
        Assert.True((await _service.ValidateAsync(token, checkExpiry: false)).IsValid);
    }

    [Fact]
    public async Task A_token_within_the_clock_skew_still_verifies()
    {
        var token = _service.Create(_subject, "k", TimeSpan.FromMinutes(5));
        _time.Now = Now.AddMinutes(5).AddSeconds(10);
        Assert.True((await _service.ValidateAsync(token, checkExpiry: true)).IsValid);
        _time.Now = Now.AddMinutes(5).AddSeconds(31);
        Assert.Equal("expired", await ReasonAsync(token));
    }

    [Fact]
    public async Task A_not_yet_valid_token_is_rejected_even_when_expiry_is_waived()
    {
        var future = CreateService(new ManualTime(Now.AddHours(1)), "gomicro", "gomicro", TestEnvironment.JwtKeyFiles.PrivateKey)
            .Create(_subject, "k", TimeSpan.FromHours(2));
        Assert.Equal("not yet valid", await ReasonAsync(future));
        Assert.Equal("not yet valid", (await _service.ValidateAsync(future, checkExpiry: false)).Reason);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_rejected()
    {
        var token = CreateService(_time, "gomicro", "another-audience", TestEnvironment.JwtKeyFiles.PrivateKey).Create(_subject, "k", TimeSpan.FromHours(1));
        Assert.Equal("audience", await ReasonAsync(token));
    }

    [Fact]
    public async Task A_token_from_another_issuer_is_rejected()
    {
        var token = CreateService(_time, "someone-else", "gomicro", TestEnvironment.JwtKeyFiles.PrivateKey).Create(_subject, "k", TimeSpan.FromHours(1));
        Assert.Equal("issuer", await ReasonAsync(token));
    }

    [Theory]
    [InlineData("sub", "subject")]
    [InlineData("jti", "jti")]
    [InlineData("nbf", "lifetime claims")]
    [InlineData("exp", "lifetime claims")]
    public async Task A_signed_token_missing_a_required_claim_is_rejected(string claim, string reason)
    {
        var claims = Claims(Now, Now.AddHours(1));
        claims.Remove(claim);
        Assert.Equal(reason, await ReasonAsync(Sign(OurKey(), claims)));
    }

    [Fact]
    public async Task A_subject_that_is_not_a_uuid_is_rejected()
    {
        var claims = Claims(Now, Now.AddHours(1));
        claims["sub"] = "admin";
        Assert.Equal("subject", await ReasonAsync(Sign(OurKey(), claims)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_truncated_token_is_rejected(int parts)
    {
        var token = string.Join('.', _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.').Take(parts));
        Assert.Equal("not a compact JWS", await ReasonAsync(token));
        Assert.Equal("not a compact JWS", await ReasonAsync(token + "."));
    }

    [Fact]
    public async Task A_token_with_an_extra_part_is_rejected()
    {
        Assert.Equal("not a compact JWS", await ReasonAsync(_service.Create(_subject, "k", TimeSpan.FromHours(1)) + ".extra"));
    }

    [Fact]
    public async Task An_oversized_token_is_rejected_before_decoding()
    {
        var token = _service.Create(_subject, "k", TimeSpan.FromHours(1));
        Assert.Equal("length", await ReasonAsync(token + new string('A', JwtTokenService.MaxTokenLength)));
    }

    [Fact]
    public async Task Non_base64url_parts_are_rejected()
    {
        var parts = _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.');
        Assert.Equal("not base64url", await ReasonAsync(parts[0] + ".%%%." + parts[2]));
        Assert.Equal("not base64url", await ReasonAsync(parts[0] + "." + parts[1].Replace('-', '+').Replace('_', '/') + "+/." + parts[2]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_token_with_base64_padding_appended_to_a_part_is_rejected(int part)
    {
        var parts = _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.');
        parts[part] += "=";
        Assert.Equal("not base64url", await ReasonAsync(string.Join('.', parts)));
        parts[part] += "=";
        Assert.Equal("not base64url", await ReasonAsync(string.Join('.', parts)));
    }

    [Fact]
    public async Task A_token_without_kid_signed_by_a_ring_key_still_verifies()
    {
        // Tokens issued before key ids existed carry no kid; they stay valid until they expire.
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(TestEnvironment.JwtKeyFiles.PrivateKey));
        var token = Sign(new RsaSecurityKey(rsa), Claims(Now, Now.AddHours(1)));
        using (var header = JsonDocument.Parse(Decode(token.Split('.')[0]))) Assert.False(header.RootElement.TryGetProperty("kid", out _));
        Assert.True((await _service.ValidateAsync(token, checkExpiry: true)).IsValid);
    }

    [Fact]
    public async Task A_token_signed_by_a_ring_key_under_a_kid_the_ring_does_not_hold_is_rejected()
    {
        // The same key and claims verify under the key's own kid and without a kid; only the unknown kid is refused.
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(TestEnvironment.JwtKeyFiles.PrivateKey));
        var claims = Claims(Now, Now.AddHours(1));
        Assert.Equal("kid", await ReasonAsync(Sign(new RsaSecurityKey(rsa) { KeyId = "not-in-the-ring" }, claims)));
        Assert.Null(await ReasonAsync(Sign(new RsaSecurityKey(rsa) { KeyId = SigningKeys.Thumbprint(rsa) }, claims)));
        Assert.Null(await ReasonAsync(Sign(new RsaSecurityKey(rsa), claims)));
    }

    [Fact]
    public async Task A_token_of_a_removed_key_is_rejected_for_its_kid_after_a_rotation()
    {
        var oldKey = NewKeyFile();
        var before = CreateService(_time, "gomicro", "gomicro", oldKey).Create(_subject, "k", TimeSpan.FromHours(1));
        Assert.Equal("kid", (await CreateService(_time, "gomicro", "gomicro", NewKeyFile()).ValidateAsync(before, checkExpiry: true)).Reason);
    }

    [Fact]
    public async Task After_a_rotation_a_token_of_the_old_key_verifies_while_the_old_key_is_a_verification_key()
    {
        var oldKey = NewKeyFile();
        var newKey = NewKeyFile();
        var before = CreateService(_time, "gomicro", "gomicro", oldKey).Create(_subject, "k", TimeSpan.FromHours(1));

        var rotated = CreateService(_time, "gomicro", "gomicro", newKey, oldKey);
        Assert.True((await rotated.ValidateAsync(before, checkExpiry: true)).IsValid);
        var after = rotated.Create(_subject, "k2", TimeSpan.FromHours(1));
        Assert.True((await rotated.ValidateAsync(after, checkExpiry: true)).IsValid);
        // An instance not yet rotated, which lists the new key for verification, accepts the new tokens too.
        Assert.True((await CreateService(_time, "gomicro", "gomicro", oldKey, PublicKeyFile(newKey)).ValidateAsync(after, checkExpiry: true)).IsValid);

        var oldKeyRemoved = CreateService(_time, "gomicro", "gomicro", newKey);
        Assert.Equal("kid", (await oldKeyRemoved.ValidateAsync(before, checkExpiry: true)).Reason);
        Assert.True((await oldKeyRemoved.ValidateAsync(after, checkExpiry: true)).IsValid);
    }

    [Fact]
    public void The_jwks_lists_every_ring_key_with_only_public_members()
    {
        var oldKey = NewKeyFile();
        var keys = CreateKeys("gomicro", "gomicro", TestEnvironment.JwtKeyFiles.PrivateKey, oldKey, TestEnvironment.JwtKeyFiles.PublicKey);
        using var jwks = JsonDocument.Parse(JsonSerializer.Serialize(keys.Jwks()));

        var listed = jwks.RootElement.GetProperty("keys").EnumerateArray().ToArray();
        Assert.Equal(2, listed.Length); // the public key file is the signing key's own half: listed once
        foreach (var key in listed)
        {
            Assert.Equal(["kty", "kid", "use", "alg", "n", "e"], key.EnumerateObject().Select(p => p.Name));
            Assert.Equal(("RSA", "sig", "RS256"), (key.GetProperty("kty").GetString(), key.GetProperty("use").GetString(), key.GetProperty("alg").GetString()));
            Assert.Equal("AQAB", key.GetProperty("e").GetString());
            Assert.Equal(256, Base64Url.DecodeFromChars(key.GetProperty("n").GetString()).Length);
        }
        Assert.Equal([ThumbprintByHand(TestEnvironment.JwtKeyFiles.PublicKey), ThumbprintByHand(PublicKeyFile(oldKey))],
            listed.Select(k => k.GetProperty("kid").GetString()));
    }

    [Fact]
    public void A_verification_key_shorter_than_2048_bits_stops_the_start()
    {
        using var weak = RSA.Create(1024);
        var path = Path.Combine(Directory.CreateTempSubdirectory("gomicro-weak-key-").FullName, "weak.pem");
        File.WriteAllText(path, weak.ExportSubjectPublicKeyInfoPem());
        var error = Assert.Throws<InvalidOperationException>(() => CreateKeys("gomicro", "gomicro", TestEnvironment.JwtKeyFiles.PrivateKey, path));
        Assert.Equal("Auth:Jwt:VerificationKeyPaths:0: RSA keys must be 2048 bits or larger.", error.Message);
    }

    [Fact]
    public void A_public_key_as_signing_key_stops_the_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CreateKeys("gomicro", "gomicro", TestEnvironment.JwtKeyFiles.PublicKey));
        Assert.Equal("Auth:Jwt:SigningKeyPath must be a private key: it signs tokens.", error.Message);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are POSIX
    public void The_development_key_is_created_readable_by_its_owner_only()
    {
        var root = Directory.CreateTempSubdirectory("gomicro-devkey-").FullName;
        _ = CreateDevelopmentKeys(root, NullLogger<SigningKeys>.Instance);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(root, ".keys", SigningKeys.DevelopmentKeyFile)));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are POSIX
    public void An_older_looser_development_key_is_tightened_and_reused_and_it_is_logged()
    {
        var root = Directory.CreateTempSubdirectory("gomicro-devkey-").FullName;
        var path = Path.Combine(root, ".keys", SigningKeys.DevelopmentKeyFile);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var rsa = RSA.Create(2048);
        File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var logger = new ListLogger();
        Assert.Equal(SigningKeys.Thumbprint(rsa), CreateDevelopmentKeys(root, logger).SigningKeyId);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Contains(logger.Messages, m => m.Level == LogLevel.Warning && m.Text.Contains("readable by others") && m.Text.Contains(path));
    }

    private async Task<string?> ReasonAsync(string token) => (await _service.ValidateAsync(token, checkExpiry: true)).Reason;

    private static JwtTokenService CreateService(TimeProvider time, string issuer, string audience, string signingKeyPath, params string[] verificationKeyPaths)
    {
        var options = Options.Create(new JwtOptions { Issuer = issuer, Audience = audience, SigningKeyPath = signingKeyPath, VerificationKeyPaths = [.. verificationKeyPaths] });
        return new JwtTokenService(new SigningKeys(options, new TestHostEnvironment(), NullLogger<SigningKeys>.Instance), options, time);
    }

    private static SigningKeys CreateKeys(string issuer, string audience, string signingKeyPath, params string[] verificationKeyPaths) =>
        new(Options.Create(new JwtOptions { Issuer = issuer, Audience = audience, SigningKeyPath = signingKeyPath, VerificationKeyPaths = [.. verificationKeyPaths] }),
            new TestHostEnvironment(), NullLogger<SigningKeys>.Instance);

    private static SigningKeys CreateDevelopmentKeys(string contentRoot, ILogger<SigningKeys> logger) =>
        new(Options.Create(new JwtOptions()), new TestHostEnvironment { EnvironmentName = Environments.Development, ContentRootPath = contentRoot }, logger);

    private static RsaSecurityKey OurKey()
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(TestEnvironment.JwtKeyFiles.PrivateKey));
        return new RsaSecurityKey(rsa) { KeyId = SigningKeys.Thumbprint(rsa) };
    }

    private Dictionary<string, object> Claims(DateTimeOffset notBefore, DateTimeOffset expires) => new()
    {
        ["iss"] = "gomicro",
        ["aud"] = "gomicro",
        ["sub"] = _subject.ToString(),
        ["jti"] = "k",
        ["iat"] = notBefore.ToUnixTimeSeconds(),
        ["nbf"] = notBefore.ToUnixTimeSeconds(),
        ["exp"] = expires.ToUnixTimeSeconds(),
    };

    /// <summary>Signs exactly these claims (no defaults added), to build tokens the service would never write.</summary>
    private static string Sign(RsaSecurityKey key, Dictionary<string, object> claims) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
            JsonSerializer.Serialize(claims), new SigningCredentials(key, SecurityAlgorithms.RsaSha256));

    /// <summary>RFC 7638 section 3 computed here from the PEM, independently of the product's code.</summary>
    private static string ThumbprintByHand(string publicKeyPem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(publicKeyPem));
        var p = rsa.ExportParameters(false);
        var canonical = $$"""{"e":"{{Base64Url.EncodeToString(p.Exponent)}}","kty":"RSA","n":"{{Base64Url.EncodeToString(p.Modulus)}}"}""";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static string NewKeyFile()
    {
        using var rsa = RSA.Create(2048);
        var path = Path.Combine(Directory.CreateTempSubdirectory("gomicro-key-").FullName, "private.pem");
        File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        return path;
    }

    private static string PublicKeyFile(string privateKeyPath)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(privateKeyPath));
        var path = Path.ChangeExtension(privateKeyPath, ".pub.pem");
        File.WriteAllText(path, rsa.ExportSubjectPublicKeyInfoPem());
        return path;
    }

    private static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
    private static string Decode(string part) => Encoding.UTF8.GetString(Base64Url.DecodeFromChars(part));

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class TestHostEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";
        public string ApplicationName { get; set; } = "tests";
        public string ContentRootPath { get; set; } = Path.GetTempPath();
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }

    private sealed class ListLogger : ILogger<SigningKeys>
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add((logLevel, formatter(state, exception)));
    }
}
