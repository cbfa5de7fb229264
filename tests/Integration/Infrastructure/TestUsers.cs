using System.Text.Json;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>A signed-up user and their current tokens.</summary>
/// <param name="Id">User id.</param>
/// <param name="Email">Email used to sign up.</param>
/// <param name="Password">Password used to sign up.</param>
/// <param name="Name">Display name.</param>
/// <param name="AccessToken">Current access token.</param>
/// <param name="RefreshToken">Current refresh token.</param>
public sealed record TestUser(Guid Id, string Email, string Password, string Name, string AccessToken, string RefreshToken);

/// <summary>Creates users through the public API, and grants roles through the admin command, as an operator would.</summary>
public static class TestUsers
{
    /// <summary>Signs up a fresh user (unique email) and, when <paramref name="roles"/> are given, grants them and signs in
    /// again so the returned tokens belong to a session that sees the roles.</summary>
    public static async Task<TestUser> CreateAsync(Topology topology, params string[] roles)
    {
        var email = $"user-{Guid.NewGuid():N}@example.com";
        const string password = "secret-password";
        var name = "Test " + email[5..13];
        var signUp = (await topology.Auth.PostEnvelopeAsync("/auth/signup/basic", new { email, password, name })).ShouldSucceed();
        var user = ToUser(signUp.Data, email, password);
        if (roles.Length == 0) return user;

        var (exitCode, output) = await topology.AuthHost.RunCommandAsync(["user", "grant-role", email, .. roles]);
        Assert.True(exitCode == 0, output);
        return await SignInAsync(topology, email, password);
    }

    /// <summary>Signs in and returns the user with fresh tokens.</summary>
    public static async Task<TestUser> SignInAsync(Topology topology, string email, string password)
    {
        var signIn = (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email, password })).ShouldSucceed();
        return ToUser(signIn.Data, email, password);
    }

    private static TestUser ToUser(JsonElement data, string email, string password)
    {
        var user = data.GetProperty("user");
        var tokens = data.GetProperty("tokens");
        return new TestUser(user.GetProperty("id").GetGuid(), email, password, user.GetProperty("name").GetString()!,
            tokens.GetProperty("accessToken").GetString()!, tokens.GetProperty("refreshToken").GetString()!);
    }
}
