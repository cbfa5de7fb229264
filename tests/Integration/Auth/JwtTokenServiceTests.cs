using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Auth.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>The classic attacks on JWT verification (RFC 8725), each of which must be rejected.</summary>
public sealed class JwtTokenServiceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private readonly ManualTime _time = new(Now);
    private readonly JwtTokenService _service;
    private readonly Guid _subject = Guid.NewGuid();

    public JwtTokenServiceTests() => _service = CreateService(_time, "gomicro", "gomicro", TestEnvironment.JwtKeyFiles.PrivateKey);

    [Fact]
    public void A_token_it_signed_verifies_with_its_claims()
    {
        var token = _service.Create(_subject, "key-1", TimeSpan.FromHours(1));
        Assert.True(_service.TryValidate(token, checkExpiry: true, out var claims, out var error), error);
        Assert.Equal(_subject, claims.Subject);
        Assert.Equal("key-1", claims.Id);
        Assert.Equal(Now.AddHours(1), claims.ExpiresAt);
    }

    [Fact]
    public void The_header_declares_rs256()
    {
        var header = Decode(_service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.')[0]);
        Assert.Contains("\"alg\":\"RS256\"", header);
    }

    [Fact]
    public void Alg_none_is_rejected()
    {
        var parts = _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.');
        var unsigned = Encode("""{"alg":"none","typ":"JWT"}""") + "." + parts[1] + ".";
        Assert.False(_service.TryValidate(unsigned, true, out _, out _));
        Assert.False(_service.TryValidate(Encode("""{"alg":"none","typ":"JWT"}""") + "." + parts[1] + "." + parts[2], true, out _, out _));
    }

    [Fact]
    public void Hs256_signed_with_the_public_key_as_secret_is_rejected()
    {
        var parts = _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.');
        var signingInput = Encode("""{"alg":"HS256","typ":"JWT"}""") + "." + parts[1];
        var secret = Encoding.ASCII.GetBytes(File.ReadAllText(TestEnvironment.JwtKeyFiles.PublicKey));
        var signature = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput));
        Assert.False(_service.TryValidate(signingInput + "." + Base64Url.EncodeToString(signature), true, out _, out _));
    }

    [Fact]
    public void A_tampered_payload_is_rejected()
    {
        var parts = _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.');
        var payload = Decode(parts[1]).Replace(_subject.ToString(), Guid.NewGuid().ToString());
        Assert.False(_service.TryValidate(parts[0] + "." + Encode(payload) + "." + parts[2], true, out _, out _));
    }

    [Fact]
    public void A_tampered_signature_is_rejected()
    {
        var parts = _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[10] ^= 0x01;
        Assert.False(_service.TryValidate(parts[0] + "." + parts[1] + "." + Base64Url.EncodeToString(signature), true, out _, out _));
    }

    [Fact]
    public void A_token_signed_by_another_key_is_rejected()
    {
        var folder = Directory.CreateTempSubdirectory("gomicro-other-key-").FullName;
        using var rsa = RSA.Create(2048);
        var path = Path.Combine(folder, "other.pem");
        File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        var forged = CreateService(_time, "gomicro", "gomicro", path).Create(_subject, "k", TimeSpan.FromHours(1));
        Assert.False(_service.TryValidate(forged, true, out _, out var error));
        Assert.Equal("signature", error);
    }

    [Fact]
    public void An_expired_token_is_rejected_unless_expiry_is_waived_for_refresh()
    {
        var token = _service.Create(_subject, "k", TimeSpan.FromMinutes(5));
        _time.Now = Now.AddMinutes(6);
        Assert.False(_service.TryValidate(token, checkExpiry: true, out _, out var error));
        Assert.Equal("expired", error);
        Assert.True(_service.TryValidate(token, checkExpiry: false, out _, out _));
    }

    [Fact]
    public void A_token_within_the_clock_skew_still_verifies()
    {
        var token = _service.Create(_subject, "k", TimeSpan.FromMinutes(5));
        _time.Now = Now.AddMinutes(5).AddSeconds(10);
        Assert.True(_service.TryValidate(token, checkExpiry: true, out _, out _));
    }

    [Fact]
    public void A_not_yet_valid_token_is_rejected()
    {
        var future = CreateService(new ManualTime(Now.AddHours(1)), "gomicro", "gomicro", TestEnvironment.JwtKeyFiles.PrivateKey)
            .Create(_subject, "k", TimeSpan.FromHours(2));
        Assert.False(_service.TryValidate(future, true, out _, out var error));
        Assert.Equal("not yet valid", error);
    }

    [Fact]
    public void A_token_for_another_audience_is_rejected()
    {
        var token = CreateService(_time, "gomicro", "another-audience", TestEnvironment.JwtKeyFiles.PrivateKey).Create(_subject, "k", TimeSpan.FromHours(1));
        Assert.False(_service.TryValidate(token, true, out _, out var error));
        Assert.Equal("audience", error);
    }

    [Fact]
    public void A_token_from_another_issuer_is_rejected()
    {
        var token = CreateService(_time, "someone-else", "gomicro", TestEnvironment.JwtKeyFiles.PrivateKey).Create(_subject, "k", TimeSpan.FromHours(1));
        Assert.False(_service.TryValidate(token, true, out _, out var error));
        Assert.Equal("issuer", error);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_truncated_token_is_rejected(int parts)
    {
        var token = string.Join('.', _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.').Take(parts));
        Assert.False(_service.TryValidate(token, true, out _, out _));
        Assert.False(_service.TryValidate(token + ".", true, out _, out _));
    }

    [Fact]
    public void A_token_with_an_extra_part_is_rejected()
    {
        Assert.False(_service.TryValidate(_service.Create(_subject, "k", TimeSpan.FromHours(1)) + ".extra", true, out _, out _));
    }

    [Fact]
    public void An_oversized_token_is_rejected_before_decoding()
    {
        var token = _service.Create(_subject, "k", TimeSpan.FromHours(1));
        var huge = token + new string('A', JwtTokenService.MaxTokenLength);
        Assert.False(_service.TryValidate(huge, true, out _, out var error));
        Assert.Equal("length", error);
    }

    [Fact]
    public void Non_base64url_parts_are_rejected()
    {
        var parts = _service.Create(_subject, "k", TimeSpan.FromHours(1)).Split('.');
        Assert.False(_service.TryValidate(parts[0] + ".%%%." + parts[2], true, out _, out _));
    }

    private static JwtTokenService CreateService(TimeProvider time, string issuer, string audience, string privateKeyPath)
    {
        var options = Options.Create(new JwtOptions { Issuer = issuer, Audience = audience, PrivateKeyPath = privateKeyPath });
        var keys = new RsaKeyProvider(options, new TestHostEnvironment(), NullLogger<RsaKeyProvider>.Instance);
        return new JwtTokenService(keys, options, time);
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
}
