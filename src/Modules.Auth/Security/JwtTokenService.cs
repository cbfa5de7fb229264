using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GoMicro.Modules.Auth.Security;

/// <summary>The claims GoMicro.NET reads from a verified token.</summary>
/// <param name="Subject">The <c>sub</c> claim: the user id.</param>
/// <param name="Id">The <c>jti</c> claim: the keystore key this token is bound to.</param>
/// <param name="ExpiresAt">The <c>exp</c> claim.</param>
internal readonly record struct TokenClaims(Guid Subject, string Id, DateTimeOffset ExpiresAt);

/// <summary>The outcome of <see cref="JwtTokenService.ValidateAsync"/>: the claims, or why not.</summary>
/// <param name="Claims">The claims when <see cref="IsValid"/>.</param>
/// <param name="Reason">Why the token was refused, for logs only (clients get one generic text): <c>length</c>,
/// <c>not a compact JWS</c>, <c>not base64url</c>, <c>malformed</c>, <c>algorithm</c>, <c>kid</c> (a key id the ring
/// does not hold), <c>signature</c>, <c>issuer</c>,
/// <c>audience</c>, <c>expired</c>, <c>not yet valid</c>, <c>lifetime claims</c>, <c>subject</c> or <c>jti</c>.</param>
internal readonly record struct TokenValidation(TokenClaims Claims, string? Reason)
{
    /// <summary>True when the token verified.</summary>
    public bool IsValid => Reason is null;
}

/// <summary>
/// RS256 JSON Web Tokens (RFC 7519) on Microsoft's <see cref="JsonWebTokenHandler"/>, signed by the key ring's signing
/// key with its <c>kid</c> in the header and verified by the ring key that <c>kid</c> names: a <c>kid</c> the ring does not
/// hold is refused, and only a token without <c>kid</c> (issued before key ids existed) is tried against every key of the
/// ring. Verification follows RFC 8725:
/// only RS256 (<see cref="TokenValidationParameters.ValidAlgorithms"/>), so <c>none</c> and HS256-with-the-public-key
/// fail; signed tokens only; <c>iss</c>, <c>aud</c>, <c>exp</c> and <c>nbf</c> (with <see cref="JwtOptions.ClockSkew"/>),
/// <c>sub</c> (a UUID) and <c>jti</c> required. Before the handler sees a token it must be at most
/// <see cref="MaxTokenLength"/> characters of strict Base64url in three parts: padding (<c>=</c>) and any other
/// character are refused, so one token has one spelling.
/// </summary>
internal sealed class JwtTokenService
{
    /// <summary>Longer tokens are refused before any decoding work: ours are about 800 characters.</summary>
    public const int MaxTokenLength = 4096;

    private readonly SigningKeys _keys;
    private readonly JwtOptions _options;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = MaxTokenLength, SetDefaultTimesOnTokenCreation = false };

    /// <summary>Creates the service over the key ring.</summary>
    public JwtTokenService(SigningKeys keys, IOptions<JwtOptions> options, TimeProvider time)
    {
        _keys = keys;
        _options = options.Value;
        _time = time;
    }

    /// <summary>Signs a token for <paramref name="subject"/> bound to keystore key <paramref name="id"/>, valid from now for <paramref name="lifetime"/>.</summary>
    public string Create(Guid subject, string id, TimeSpan lifetime)
    {
        // Whole seconds, as the claims are NumericDate.
        var now = DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds()).UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = subject.ToString(),
                [JwtRegisteredClaimNames.Jti] = id,
            },
            SigningCredentials = _keys.SigningCredentials,
        });
    }

    /// <summary>Verifies <paramref name="token"/> and reads its claims.</summary>
    /// <param name="token">Compact JWS, three Base64url parts.</param>
    /// <param name="checkExpiry">False only for the access token presented on refresh, which may have expired
    /// (<c>nbf</c> is still checked).</param>
    public async Task<TokenValidation> ValidateAsync(string token, bool checkExpiry)
    {
        if (token.Length is 0 or > MaxTokenLength) return Fail("length");
        if (CheckShape(token) is { } shape) return Fail(shape);

        var unknownKid = false;
        var parameters = new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKeys = _keys.VerificationKeys,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuerSigningKey = true,
            ValidateLifetime = checkExpiry,
            ClockSkew = _options.ClockSkew,
            LifetimeValidator = checkExpiry ? Lifetime : null,
            // The header's kid picks the ring key; a kid the ring does not hold is refused rather than tried against
            // every key (RFC 7515 section 4.1.4: the kid names the key, so a wrong one is a wrong token). Only a token
            // without a kid (signed before key ids existed) is tried against every key of the ring.
            IssuerSigningKeyResolver = (_, _, kid, _) =>
            {
                if (string.IsNullOrEmpty(kid)) return _keys.VerificationKeys;
                var key = _keys.VerificationKeys.FirstOrDefault(k => k.KeyId == kid);
                if (key is null) unknownKid = true;
                return key is null ? [] : [key];
            },
            TryAllIssuerSigningKeys = false,
            // The handler reports another algorithm as a signature that no key verifies; the parsed header tells which.
            IncludeTokenOnFailedValidation = true,
        };
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
            return Fail(result.TokenOnFailedValidation is JsonWebToken { Alg: not SecurityAlgorithms.RsaSha256 } ? "algorithm"
                : unknownKid ? "kid" : Reason(result.Exception));

        var jwt = (JsonWebToken)result.SecurityToken;
        if (!jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Nbf, out var nbf) || !jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp))
            return Fail("lifetime claims");
        if (DateTimeOffset.FromUnixTimeSeconds(nbf) > _time.GetUtcNow() + _options.ClockSkew) return Fail("not yet valid");
        if (!Guid.TryParseExact(jwt.Subject, "D", out var subject)) return Fail("subject");
        if (string.IsNullOrEmpty(jwt.Id)) return Fail("jti");
        return new TokenValidation(new TokenClaims(subject, jwt.Id, DateTimeOffset.FromUnixTimeSeconds(exp)), null);
    }

    /// <summary>The handler's own lifetime check on our clock (the project's <see cref="TimeProvider"/>), so expiry and
    /// the clock skew are tested with a fake clock.</summary>
    private bool Lifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is null) throw new SecurityTokenNoExpirationException("no exp");
        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew) throw new SecurityTokenNotYetValidException("nbf in the future");
        if (expires.Value < now - parameters.ClockSkew) throw new SecurityTokenExpiredException("expired");
        return true;
    }

    /// <summary>Three non-empty parts of Base64url's alphabet, nothing else: the handler tolerates padding, we do not.</summary>
    private static string? CheckShape(string token)
    {
        var dots = 0;
        var partLength = 0;
        foreach (var c in token)
        {
            if (c == '.')
            {
                if (partLength == 0) return "not a compact JWS";
                dots++;
                partLength = 0;
                continue;
            }
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return "not base64url";
            partLength++;
        }
        return dots == 2 && partLength > 0 ? null : "not a compact JWS";
    }

    private static string Reason(Exception? exception) => exception switch
    {
        SecurityTokenInvalidAlgorithmException => "algorithm",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "signature",
        SecurityTokenInvalidIssuerException => "issuer",
        SecurityTokenInvalidAudienceException => "audience",
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not yet valid",
        SecurityTokenNoExpirationException or SecurityTokenInvalidLifetimeException => "lifetime claims",
        _ => "malformed",
    };

    private static TokenValidation Fail(string reason) => new(default, reason);
}
