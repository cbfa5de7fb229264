using System.Net;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>
/// The Auth API of api.md sections 1–3 as a client of the reference system sees it: exact statuses, texts and shapes.
/// Abstract so the same scenarios run on every topology (<see cref="AuthApiOnMonolith"/>, and the split services).
/// </summary>
public abstract class AuthApiScenarios(Topology topology)
{
    private HttpClient Auth => topology.Auth;

    [Fact]
    public async Task Health_answers_without_an_api_key_in_the_reference_shape()
    {
        var health = await Auth.SendAsync(HttpMethod.Get, "/auth/health", apiKey: null);
        health.ShouldSucceed();
        Assert.Equal("OK", health.Data.GetProperty("status").GetString());
        Assert.True(health.Data.GetProperty("timestamp").TryGetDateTimeOffset(out _));
    }

    [Fact]
    public async Task A_request_without_an_api_key_gets_401()
    {
        var response = await Auth.SendAsync(HttpMethod.Get, "/auth/verify/apikey", apiKey: null);
        response.ShouldFail(HttpStatusCode.Unauthorized, topology.MissingApiKeyMessage);
    }

    [Fact]
    public async Task A_request_with_an_unknown_api_key_gets_403()
    {
        var response = await Auth.SendAsync(HttpMethod.Get, "/auth/verify/apikey", apiKey: "NOT-A-KEY");
        response.ShouldFail(HttpStatusCode.Forbidden, "permission denied: invalid x-api-key");
    }

    [Fact]
    public async Task Verify_apikey_accepts_the_seeded_key()
    {
        (await Auth.GetEnvelopeAsync("/auth/verify/apikey")).ShouldSucceed();
    }

    [Fact]
    public async Task An_api_key_created_by_the_admin_command_is_accepted()
    {
        var (exitCode, output) = await topology.AuthHost.RunCommandAsync("apikey", "create", "--comment", "integration test");
        Assert.Equal(0, exitCode);
        var key = output.Trim();
        Assert.Matches("^[0-9A-F]{40}$", key);
        (await Auth.SendAsync(HttpMethod.Get, "/auth/verify/apikey", apiKey: key)).ShouldSucceed();
    }

    [Fact]
    public async Task An_unknown_route_gets_404_url_not_found()
    {
        (await Auth.GetEnvelopeAsync("/auth/no/such/route")).ShouldFail(HttpStatusCode.NotFound, "url not found");
    }

    [Fact]
    public async Task Sign_up_returns_the_private_user_with_the_learner_role_and_a_token_pair()
    {
        var email = $"New.User.{Guid.NewGuid():N}@Example.com";
        var response = await Auth.PostEnvelopeAsync("/auth/signup/basic",
            new { email, password = "secret1", name = "New User", profilePicUrl = "https://example.com/me.png" });

        response.ShouldSucceed();
        var user = response.Data.GetProperty("user");
        Assert.Equal(email.ToLowerInvariant(), user.GetProperty("email").GetString());
        Assert.Equal("New User", user.GetProperty("name").GetString());
        Assert.Equal("https://example.com/me.png", user.GetProperty("profilePicUrl").GetString());
        Assert.True(Guid.TryParse(user.GetProperty("id").GetString(), out _));
        var role = Assert.Single(user.GetProperty("roles").EnumerateArray());
        Assert.Equal("LEARNER", role.GetProperty("code").GetString());
        Assert.True(Guid.TryParse(role.GetProperty("id").GetString(), out _));
        var tokens = response.Data.GetProperty("tokens");
        Assert.Equal(3, tokens.GetProperty("accessToken").GetString()!.Split('.').Length);
        Assert.Equal(3, tokens.GetProperty("refreshToken").GetString()!.Split('.').Length);
        Assert.False(user.TryGetProperty("password", out _) || user.TryGetProperty("passwordHash", out _));
    }

    [Fact]
    public async Task Sign_up_with_a_taken_email_gets_400_user_already_registered()
    {
        var user = await TestUsers.CreateAsync(topology);
        var again = await Auth.PostEnvelopeAsync("/auth/signup/basic", new { email = user.Email.ToUpperInvariant(), password = "another1", name = "Again" });
        again.ShouldFail(HttpStatusCode.BadRequest, "user already registered");
    }

    [Fact]
    public async Task Two_concurrent_sign_ups_of_one_email_give_one_success_and_one_400()
    {
        var email = $"race-{Guid.NewGuid():N}@example.com";
        var body = new { email, password = "secret1", name = "Racer" };
        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Auth.PostEnvelopeAsync("/auth/signup/basic", body)));

        Assert.Single(results, r => r.HttpStatus == HttpStatusCode.OK);
        results.Single(r => r.HttpStatus != HttpStatusCode.OK).ShouldFail(HttpStatusCode.BadRequest, "user already registered");
        Assert.Equal(1L, await topology.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM users WHERE email = @e", ("e", email)));
    }

    [Fact]
    public async Task Sign_up_with_invalid_fields_gets_400_listing_each_field_and_stores_nothing()
    {
        var email = "not-an-email";
        var response = await Auth.PostEnvelopeAsync("/auth/signup/basic", new { email, password = "123", profilePicUrl = "not a url" });

        response.ShouldFail(HttpStatusCode.BadRequest,
            "email is not a valid email, password must be at least 6 characters, name is required, profilepicurl is not a valid URL");
        Assert.Equal(0L, await topology.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM users WHERE email = @e", ("e", email)));
    }

    [Theory]
    [InlineData("{\"email\":", "body is not valid JSON")]
    [InlineData("not json at all", "body is not valid JSON")]
    [InlineData("{}x", "body is not valid JSON")]
    [InlineData("[1,2,3]", "body must be a JSON object")]
    [InlineData("\"text\"", "body must be a JSON object")]
    [InlineData("null", "body must be a JSON object")]
    public async Task A_malformed_json_body_gets_400_in_plain_words(string body, string message)
    {
        var response = await Auth.SendAsync(HttpMethod.Post, "/auth/signup/basic", body);
        response.ShouldFail(HttpStatusCode.BadRequest, message);
    }

    [Theory]
    [InlineData("{\"email\": 42, \"password\": \"secret1\"}", "email must be a string")]
    [InlineData("{\"email\": \"a@example.com\", \"password\": [\"x\"]}", "password must be a string")]
    [InlineData("{\"email\": {\"a\": 1}, \"password\": \"secret1\"}", "email must be a string")]
    public async Task A_wrongly_typed_field_gets_400_naming_the_field_and_no_type(string body, string message)
    {
        var response = await Auth.SendAsync(HttpMethod.Post, "/auth/signin/basic", body);
        response.ShouldFail(HttpStatusCode.BadRequest, message);
    }

    [Fact]
    public async Task An_empty_body_gets_400_body_is_required()
    {
        var response = await Auth.SendAsync(HttpMethod.Post, "/auth/signin/basic", "");
        response.ShouldFail(HttpStatusCode.BadRequest, "body is required");
    }

    [Fact]
    public async Task An_oversized_body_gets_400_and_creates_no_user()
    {
        var email = $"big-{Guid.NewGuid():N}@example.com";
        var response = await Auth.PostEnvelopeAsync("/auth/signup/basic", new { email, password = new string('p', 2_000_000), name = "Big" });
        Assert.True(response.HttpStatus is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, response.Raw);
        Assert.Equal("10001", response.Code);
        Assert.Equal(0L, await topology.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM users WHERE email = @e", ("e", email)));
    }

    [Fact]
    public async Task Sign_in_returns_the_user_and_a_new_token_pair()
    {
        var user = await TestUsers.CreateAsync(topology);
        var response = await Auth.PostEnvelopeAsync("/auth/signin/basic", new { email = user.Email, password = user.Password });
        response.ShouldSucceed();
        Assert.Equal(user.Id, response.Data.GetProperty("user").GetProperty("id").GetGuid());
        Assert.NotEqual(user.AccessToken, response.Data.GetProperty("tokens").GetProperty("accessToken").GetString());
    }

    [Fact]
    public async Task Sign_in_with_an_unknown_email_gets_404_user_not_registerd()
    {
        var response = await Auth.PostEnvelopeAsync("/auth/signin/basic", new { email = $"nobody-{Guid.NewGuid():N}@example.com", password = "secret1" });
        response.ShouldFail(HttpStatusCode.NotFound, "user not registerd");
    }

    [Fact]
    public async Task Sign_in_with_a_wrong_password_gets_401_wrong_password()
    {
        var user = await TestUsers.CreateAsync(topology);
        var response = await Auth.PostEnvelopeAsync("/auth/signin/basic", new { email = user.Email, password = "wrong-password" });
        response.ShouldFail(HttpStatusCode.Unauthorized, "wrong password");
    }

    [Fact]
    public async Task The_seeded_admin_signs_in_with_all_four_roles()
    {
        var response = await Auth.PostEnvelopeAsync("/auth/signin/basic", new { email = "admin@example.com", password = "changeit" });
        response.ShouldSucceed();
        var codes = response.Data.GetProperty("user").GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("code").GetString()).Order();
        Assert.Equal(["ADMIN", "AUTHOR", "EDITOR", "LEARNER"], codes);
    }

    [Fact]
    public async Task Profile_mine_returns_the_private_view()
    {
        var user = await TestUsers.CreateAsync(topology);
        var response = await Auth.GetEnvelopeAsync("/auth/profile/mine", user.AccessToken);
        response.ShouldSucceed();
        Assert.Equal(user.Id, response.Data.GetProperty("id").GetGuid());
        Assert.Equal(user.Email, response.Data.GetProperty("email").GetString());
        Assert.Equal(["LEARNER"], response.Data.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("code").GetString()));
        Assert.False(response.Data.TryGetProperty("profilePicUrl", out _), "an absent picture is omitted, not null");
    }

    [Fact]
    public async Task Profile_mine_without_authorization_gets_401_missing_authorization()
    {
        (await Auth.GetEnvelopeAsync("/auth/profile/mine")).ShouldFail(HttpStatusCode.Unauthorized, "permission denied: missing Authorization");
    }

    [Fact]
    public async Task Profile_mine_with_a_non_bearer_authorization_gets_401_invalid_authorization()
    {
        var response = await Auth.SendAsync(HttpMethod.Get, "/auth/profile/mine", headers: new Dictionary<string, string> { ["Authorization"] = "Basic YWJjOmRlZg==" });
        response.ShouldFail(HttpStatusCode.Unauthorized, "permission denied: invalid Authorization");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0.")]
    public async Task Profile_mine_with_an_invalid_token_gets_401(string token)
    {
        var response = await Auth.GetEnvelopeAsync("/auth/profile/mine", token);
        response.ShouldFail(HttpStatusCode.Unauthorized);
        Assert.StartsWith("permission denied:", response.Message);
    }

    [Fact]
    public async Task Profile_by_id_returns_only_the_public_view()
    {
        var user = await TestUsers.CreateAsync(topology);
        var response = await Auth.GetEnvelopeAsync($"/auth/profile/id/{user.Id}");
        response.ShouldSucceed();
        Assert.Equal(user.Id, response.Data.GetProperty("id").GetGuid());
        Assert.Equal(user.Name, response.Data.GetProperty("name").GetString());
        Assert.Equal(["id", "name"], response.Data.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Profile_by_unknown_id_gets_404_user_does_not_exists()
    {
        (await Auth.GetEnvelopeAsync($"/auth/profile/id/{Guid.NewGuid()}")).ShouldFail(HttpStatusCode.NotFound, "user does not exists");
    }

    [Fact]
    public async Task Profile_by_malformed_id_gets_400()
    {
        (await Auth.GetEnvelopeAsync("/auth/profile/id/not-a-uuid")).ShouldFail(HttpStatusCode.BadRequest, "id must be a valid UUID");
    }

    [Fact]
    public async Task Refresh_rotates_the_pair_and_the_old_pair_stops_working()
    {
        var user = await TestUsers.CreateAsync(topology);
        var refreshed = await Auth.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = user.RefreshToken }, user.AccessToken);
        refreshed.ShouldSucceed();
        var newAccess = refreshed.Data.GetProperty("accessToken").GetString()!;
        var newRefresh = refreshed.Data.GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(user.AccessToken, newAccess);
        Assert.NotEqual(user.RefreshToken, newRefresh);

        (await Auth.GetEnvelopeAsync("/auth/profile/mine", newAccess)).ShouldSucceed();
        (await Auth.GetEnvelopeAsync("/auth/profile/mine", user.AccessToken)).ShouldFail(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Replaying_a_used_refresh_token_gets_401()
    {
        var user = await TestUsers.CreateAsync(topology);
        (await Auth.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = user.RefreshToken }, user.AccessToken)).ShouldSucceed();
        var replay = await Auth.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = user.RefreshToken }, user.AccessToken);
        replay.ShouldFail(HttpStatusCode.Unauthorized);
        Assert.StartsWith("permission denied:", replay.Message);
    }

    [Fact]
    public async Task Concurrent_refreshes_of_one_pair_give_exactly_one_new_pair()
    {
        var user = await TestUsers.CreateAsync(topology);
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            Auth.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = user.RefreshToken }, user.AccessToken)));
        Assert.Single(results, r => r.HttpStatus == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.HttpStatus != HttpStatusCode.OK), r => r.ShouldFail(HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task Refresh_with_tokens_of_two_users_gets_401()
    {
        var alice = await TestUsers.CreateAsync(topology);
        var bob = await TestUsers.CreateAsync(topology);
        var response = await Auth.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = bob.RefreshToken }, alice.AccessToken);
        response.ShouldFail(HttpStatusCode.Unauthorized);
        (await Auth.GetEnvelopeAsync("/auth/profile/mine", alice.AccessToken)).ShouldSucceed();
    }

    [Fact]
    public async Task Refresh_without_authorization_gets_401()
    {
        var user = await TestUsers.CreateAsync(topology);
        (await Auth.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = user.RefreshToken }))
            .ShouldFail(HttpStatusCode.Unauthorized, "permission denied: missing Authorization");
    }

    [Fact]
    public async Task Refresh_with_the_access_token_in_place_of_the_refresh_token_gets_401()
    {
        var user = await TestUsers.CreateAsync(topology);
        (await Auth.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = user.AccessToken }, user.AccessToken))
            .ShouldFail(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Sign_out_revokes_both_tokens_at_once()
    {
        var user = await TestUsers.CreateAsync(topology);
        (await Auth.DeleteEnvelopeAsync("/auth/signout", user.AccessToken)).ShouldSucceed("signout success");

        (await Auth.GetEnvelopeAsync("/auth/profile/mine", user.AccessToken)).ShouldFail(HttpStatusCode.Unauthorized);
        (await Auth.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = user.RefreshToken }, user.AccessToken))
            .ShouldFail(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Sign_out_ends_only_its_own_session()
    {
        var user = await TestUsers.CreateAsync(topology);
        var other = await TestUsers.SignInAsync(topology, user.Email, user.Password);
        (await Auth.DeleteEnvelopeAsync("/auth/signout", user.AccessToken)).ShouldSucceed("signout success");
        (await Auth.GetEnvelopeAsync("/auth/profile/mine", other.AccessToken)).ShouldSucceed();
    }

    [Fact]
    public async Task Sign_out_without_authorization_gets_401()
    {
        (await Auth.DeleteEnvelopeAsync("/auth/signout")).ShouldFail(HttpStatusCode.Unauthorized, "permission denied: missing Authorization");
    }

    [Fact]
    public async Task A_granted_role_shows_in_the_profile_after_signing_in_again()
    {
        var user = await TestUsers.CreateAsync(topology, "AUTHOR");
        var profile = await Auth.GetEnvelopeAsync("/auth/profile/mine", user.AccessToken);
        Assert.Equal(["AUTHOR", "LEARNER"], profile.Data.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("code").GetString()).Order());
    }

    [Fact]
    public async Task Grant_role_with_an_unknown_email_fails_and_writes_nothing()
    {
        var before = await topology.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM user_roles");
        var (exitCode, output) = await topology.AuthHost.RunCommandAsync("user", "grant-role", "nobody@example.com", "AUTHOR");
        Assert.Equal(1, exitCode);
        Assert.Contains("no user with email", output);
        Assert.Equal(before, await topology.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM user_roles"));
    }

    [Fact]
    public async Task Grant_role_with_an_unknown_role_fails_and_grants_none_of_the_roles()
    {
        var user = await TestUsers.CreateAsync(topology);
        var (exitCode, output) = await topology.AuthHost.RunCommandAsync("user", "grant-role", user.Email, "AUTHOR", "WIZARD");
        Assert.Equal(1, exitCode);
        Assert.Contains("WIZARD", output);
        Assert.Equal(1L, await topology.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM user_roles WHERE user_id = @id", ("id", user.Id)));
    }

    [Fact]
    public async Task Revoke_role_removes_it()
    {
        var user = await TestUsers.CreateAsync(topology, "AUTHOR", "EDITOR");
        var (exitCode, output) = await topology.AuthHost.RunCommandAsync("user", "revoke-role", user.Email, "EDITOR");
        Assert.Equal(0, exitCode);
        Assert.Contains("AUTHOR, LEARNER", output);
        var again = await TestUsers.SignInAsync(topology, user.Email, user.Password);
        var roles = (await Auth.GetEnvelopeAsync("/auth/profile/mine", again.AccessToken)).Data.GetProperty("roles");
        Assert.DoesNotContain(roles.EnumerateArray(), r => r.GetProperty("code").GetString() == "EDITOR");
    }

    [Fact]
    public async Task The_openapi_document_lists_every_auth_route_with_both_security_schemes()
    {
        var response = await Auth.GetAsync(topology.AuthOpenApiPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/auth/verify/apikey", "/auth/signup/basic", "/auth/signin/basic", "/auth/token/refresh", "/auth/signout", "/auth/profile/id/{id}", "/auth/profile/mine", "/auth/health" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        var schemes = document.RootElement.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("x-api-key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
    }
}

/// <summary>The Auth scenarios against the monolith, every answer checked against its OpenAPI document.</summary>
public sealed class AuthApiOnMonolith(DocumentedMonolithTopology topology) : AuthApiScenarios(topology), IClassFixture<DocumentedMonolithTopology>;
