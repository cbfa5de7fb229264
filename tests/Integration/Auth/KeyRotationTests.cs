using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>
/// Key ids, the published JWKS and a rotation as docs/configuration.md describes it, on running monoliths sharing one database:
/// the old key becomes a verification key, so tokens it signed keep working; removing it later refuses them.
/// </summary>
public sealed class KeyRotationTests : IAsyncLifetime
{
    private TestDatabase _auth = null!;
    private TestDatabase _blog = null!;
    private readonly string _oldKey = NewKeyFile();
    private readonly string _newKey = NewKeyFile();

    public async Task InitializeAsync()
    {
        _auth = await TestDatabase.CreateAsync("auth");
        _blog = await TestDatabase.CreateAsync("blog");
    }

    public async Task DisposeAsync()
    {
        await _auth.DisposeAsync();
        await _blog.DisposeAsync();
    }

    [Fact]
    public async Task A_signed_in_token_carries_a_kid_the_jwks_publishes_and_the_jwks_needs_no_api_key()
    {
        await using var host = await StartAsync(_oldKey);
        using var client = host.CreateClient();
        var token = await SignUpAsync(client);

        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[0])));
        var kid = header.RootElement.GetProperty("kid").GetString();

        var response = await client.GetAsync("/auth/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var jwks = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var key = Assert.Single(jwks.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(kid, key.GetProperty("kid").GetString());
        Assert.Equal(["kty", "kid", "use", "alg", "n", "e"], key.EnumerateObject().Select(p => p.Name));

        // What a gateway does: verify the token with nothing but the published key.
        var verified = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = new JsonWebKey(key.GetRawText()),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidIssuer = "gomicro",
            ValidAudience = "gomicro",
        });
        Assert.True(verified.IsValid, verified.Exception?.Message);
    }

    [Fact]
    public async Task A_rotation_keeps_older_tokens_valid_until_the_old_key_is_removed()
    {
        string oldToken, oldRefresh, otherToken;
        await using (var before = await StartAsync(_oldKey))
        using (var client = before.CreateClient())
        {
            (oldToken, _) = await SignUpWithRefreshAsync(client);
            (otherToken, oldRefresh) = await SignUpWithRefreshAsync(client);
        }

        await using (var rotated = await StartAsync(_newKey, _oldKey))
        using (var client = rotated.CreateClient())
        {
            (await client.GetEnvelopeAsync("/auth/profile/mine", oldToken)).ShouldSucceed();
            // A refresh token of the old key still refreshes, and the new pair is signed by the new key.
            var refreshed = (await client.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = oldRefresh }, otherToken)).ShouldSucceed();
            Assert.Equal(Kid(await SignUpAsync(client)), Kid(refreshed.Data.GetProperty("accessToken").GetString()!));
            var newToken = await SignUpAsync(client);
            Assert.NotEqual(Kid(oldToken), Kid(newToken));
            using var jwks = JsonDocument.Parse(await client.GetStringAsync("/auth/.well-known/jwks.json"));
            Assert.Equal([Kid(newToken), Kid(oldToken)], jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()));
        }

        await using (var oldKeyRemoved = await StartAsync(_newKey))
        using (var client = oldKeyRemoved.CreateClient())
            (await client.GetEnvelopeAsync("/auth/profile/mine", oldToken)).ShouldFail(HttpStatusCode.Unauthorized, "permission denied: invalid access token");
    }

    [Fact]
    public async Task A_token_naming_a_kid_the_ring_does_not_hold_is_refused_with_401_while_the_same_token_without_kid_passes()
    {
        await using var host = await StartAsync(_oldKey);
        using var client = host.CreateClient();
        var token = await SignUpAsync(client);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(_oldKey));

        // The signed-in token's own claims, signed again by the ring's own key: only the header differs.
        var unknownKid = Resign(token, new RsaSecurityKey(rsa) { KeyId = "not-in-the-ring" });
        (await client.GetEnvelopeAsync("/auth/profile/mine", unknownKid)).ShouldFail(HttpStatusCode.Unauthorized, "permission denied: invalid access token");
        var withoutKid = Resign(token, new RsaSecurityKey(rsa));
        (await client.GetEnvelopeAsync("/auth/profile/mine", withoutKid)).ShouldSucceed();
    }

    private static string Resign(string token, RsaSecurityKey key) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
            Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[1])), new SigningCredentials(key, SecurityAlgorithms.RsaSha256));

    private async Task<GoMicroHostFactory> StartAsync(string signingKey, params string[] verificationKeys)
    {
        var settings = GoMicroHostFactory.BaseSettings("monolith");
        settings["ConnectionStrings:Auth"] = _auth.ConnectionString;
        settings["ConnectionStrings:Blog"] = _blog.ConnectionString;
        settings["Auth:Jwt:SigningKeyPath"] = signingKey;
        for (var i = 0; i < verificationKeys.Length; i++) settings[$"Auth:Jwt:VerificationKeyPaths:{i}"] = verificationKeys[i];
        var host = new GoMicroHostFactory(settings);
        await host.StartAsync();
        return host;
    }

    private static async Task<string> SignUpAsync(HttpClient client) => (await SignUpWithRefreshAsync(client)).AccessToken;

    private static async Task<(string AccessToken, string RefreshToken)> SignUpWithRefreshAsync(HttpClient client)
    {
        var email = $"rotation-{Guid.NewGuid():N}@example.com";
        var signUp = (await client.PostEnvelopeAsync("/auth/signup/basic", new { email, password = "secret-password", name = "Rotation" })).ShouldSucceed();
        var tokens = signUp.Data.GetProperty("tokens");
        return (tokens.GetProperty("accessToken").GetString()!, tokens.GetProperty("refreshToken").GetString()!);
    }

    private static string? Kid(string token)
    {
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[0])));
        return header.RootElement.GetProperty("kid").GetString();
    }

    private static string NewKeyFile()
    {
        using var rsa = RSA.Create(2048);
        var path = Path.Combine(Directory.CreateTempSubdirectory("gomicro-rotation-").FullName, "private.pem");
        File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        return path;
    }
}
