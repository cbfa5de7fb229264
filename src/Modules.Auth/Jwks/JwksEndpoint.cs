using GoMicro.Modules.Auth.Security;
using GoMicro.Shared.Web.ApiKeys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace GoMicro.Modules.Auth.Jwks;

/// <summary>
/// <c>GET /auth/.well-known/jwks.json</c>: the public keys that verify tokens, as a bare RFC 7517 JWK Set (not in the
/// envelope: a gateway or another service reads it with a standard JWT library). Served without an API key, as health is,
/// since public keys are public; no private part is ever written.
/// </summary>
internal static class JwksEndpoint
{
    /// <summary>How long a client may cache the set; a rotation adds the new key to the ring this long before signing with it.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    public static void Map(IEndpointRouteBuilder auth) =>
        auth.MapGet("/.well-known/jwks.json", (SigningKeys keys, HttpResponse response) =>
            {
                response.Headers.CacheControl = $"public, max-age={(int)CacheFor.TotalSeconds}";
                return Results.Json(keys.Jwks());
            })
            .SkipApiKey()
            .WithSummary("The public keys that verify access and refresh tokens (RFC 7517 JWK Set)")
            .Produces<PublicKeySet>();
}
