using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace GoMicro.Modules.Auth.Security;

/// <summary>The claims GoMicro.NET reads from a verified token.</summary>
/// <param name="Subject">The <c>sub</c> claim: the user id.</param>
/// <param name="Id">The <c>jti</c> claim: the keystore key this token is bound to.</param>
/// <param name="ExpiresAt">The <c>exp</c> claim.</param>
internal readonly record struct TokenClaims(Guid Subject, string Id, DateTimeOffset ExpiresAt);

/// <summary>
/// RS256 JSON Web Tokens (RFC 7519 over RFC 7515 compact JWS, RS256 of RFC 7518 §3.3) on framework crypto only; the
/// maintained JWT packages do not restore here (see README "Substitutes"). Verification follows RFC 8725 (JWT best
/// current practices): only <c>alg</c> RS256 is accepted, whatever the header says, so <c>none</c> and HS256-with-the-
/// public-key are rejected; the signature is checked before any claim is read; <c>iss</c>, <c>aud</c>, <c>nbf</c>,
/// <c>exp</c> (with <see cref="JwtOptions.ClockSkew"/>), <c>sub</c> and <c>jti</c> are all required.
/// </summary>
internal sealed class JwtTokenService(RsaKeyProvider keys, IOptions<JwtOptions> options, TimeProvider time)
{
    /// <summary>Longer tokens are rejected before any decoding work: ours are about 700 characters.</summary>
    public const int MaxTokenLength = 4096;

    private static readonly string EncodedHeader = Base64Url.EncodeToString("""{"alg":"RS256","typ":"JWT"}"""u8);
    private readonly JwtOptions _options = options.Value;

    /// <summary>Signs a token for <paramref name="subject"/> bound to keystore key <paramref name="id"/>, valid from now for <paramref name="lifetime"/>.</summary>
    public string Create(Guid subject, string id, TimeSpan lifetime)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = _options.Issuer,
            ["aud"] = _options.Audience,
            ["sub"] = subject.ToString(),
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + (long)lifetime.TotalSeconds,
            ["jti"] = id,
        });
        var signingInput = EncodedHeader + "." + Base64Url.EncodeToString(payload);
        var signature = keys.PrivateKey.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>Verifies <paramref name="token"/> and reads its claims.</summary>
    /// <param name="token">Compact JWS, three Base64url parts.</param>
    /// <param name="checkExpiry">False only for the access token presented on refresh, which may have expired.</param>
    /// <param name="claims">The claims when valid.</param>
    /// <param name="error">Why not, when invalid (for logs; clients get one generic text).</param>
    public bool TryValidate(string token, bool checkExpiry, out TokenClaims claims, out string error)
    {
        claims = default;
        if (token.Length is 0 or > MaxTokenLength) return Fail("length", out error);
        var firstDot = token.IndexOf('.');
        var secondDot = firstDot < 0 ? -1 : token.IndexOf('.', firstDot + 1);
        if (firstDot <= 0 || secondDot <= firstDot + 1 || secondDot == token.Length - 1 || token.IndexOf('.', secondDot + 1) >= 0)
            return Fail("not a compact JWS", out error);

        if (!TryDecode(token.AsSpan(0, firstDot), out var header) || !IsRs256(header)) return Fail("algorithm", out error);
        if (!TryDecode(token.AsSpan(secondDot + 1), out var signature) || signature.Length != keys.PublicKey.KeySize / 8)
            return Fail("signature", out error);
        if (!keys.PublicKey.VerifyData(Encoding.ASCII.GetBytes(token, 0, secondDot), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            return Fail("signature", out error);

        // Only a token we signed gets this far.
        if (!TryDecode(token.AsSpan(firstDot + 1, secondDot - firstDot - 1), out var payload)) return Fail("payload", out error);
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Fail("payload", out error);
            if (!root.TryGetProperty("iss", out var iss) || iss.ValueKind != JsonValueKind.String || iss.GetString() != _options.Issuer)
                return Fail("issuer", out error);
            if (!root.TryGetProperty("aud", out var aud) || !HasAudience(aud)) return Fail("audience", out error);
            if (!root.TryGetProperty("sub", out var sub) || sub.ValueKind != JsonValueKind.String || !Guid.TryParse(sub.GetString(), out var subject))
                return Fail("subject", out error);
            if (!root.TryGetProperty("jti", out var jti) || jti.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(jti.GetString()))
                return Fail("jti", out error);
            if (!root.TryGetProperty("exp", out var exp) || !exp.TryGetInt64(out var expSeconds)
                || !root.TryGetProperty("nbf", out var nbf) || !nbf.TryGetInt64(out var nbfSeconds))
                return Fail("lifetime claims", out error);

            var now = time.GetUtcNow();
            var skew = _options.ClockSkew;
            if (DateTimeOffset.FromUnixTimeSeconds(nbfSeconds) > now + skew) return Fail("not yet valid", out error);
            var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expSeconds);
            if (checkExpiry && expiresAt <= now - skew) return Fail("expired", out error);

            claims = new TokenClaims(subject, jti.GetString()!, expiresAt);
            error = "";
            return true;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentOutOfRangeException or InvalidOperationException)
        {
            return Fail("payload", out error);
        }
    }

    private bool HasAudience(JsonElement aud) => aud.ValueKind switch
    {
        JsonValueKind.String => aud.GetString() == _options.Audience,
        JsonValueKind.Array => aud.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String && a.GetString() == _options.Audience),
        _ => false,
    };

    private static bool IsRs256(byte[] header)
    {
        try
        {
            using var document = JsonDocument.Parse(header);
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("alg", out var alg)
                   && alg.ValueKind == JsonValueKind.String
                   && alg.GetString() == "RS256"
                   && !document.RootElement.TryGetProperty("crit", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryDecode(ReadOnlySpan<char> encoded, out byte[] bytes)
    {
        bytes = new byte[Base64Url.GetMaxDecodedLength(encoded.Length)];
        if (Base64Url.DecodeFromChars(encoded, bytes, out var consumed, out var written) != System.Buffers.OperationStatus.Done || consumed != encoded.Length)
            return false;
        bytes = bytes[..written];
        return true;
    }

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }
}
