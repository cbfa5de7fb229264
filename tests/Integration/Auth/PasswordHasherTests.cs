using System.Buffers.Binary;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Auth.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>
/// Passwords are hashed by Identity's <see cref="PasswordHasher{TUser}"/> as the Auth module configures it: the v3
/// format with PBKDF2-HMAC-SHA512 and 100,000 iterations, the format the module's own hasher wrote before, so every
/// stored hash keeps verifying.
/// </summary>
public sealed class PasswordHasherTests(MonolithTopology topology) : IClassFixture<MonolithTopology>
{
    /// <summary>Made by the hand-written hasher this project used before Identity's (PBKDF2-SHA512, 100,000 iterations).</summary>
    internal const string OldCodeHash = "AQAAAAIAAYagAAAAENIVSeMPlOSxsWNzogSgNy6F8KoSU592BrpxA9o1Wmqs4vTABFjvnQxhCjDo8S+yng==";
    internal const string OldCodePassword = "old-code-password";

    private IPasswordHasher<UserAccount> Hasher => topology.AuthHost.Services.GetRequiredService<IPasswordHasher<UserAccount>>();
    private static readonly UserAccount User = new() { Email = "hash@example.com", Name = "Hash", PasswordHash = "" };

    [Fact]
    public void A_hash_made_by_the_old_hand_written_hasher_verifies_without_a_rehash()
    {
        Assert.Equal(PasswordVerificationResult.Success, Hasher.VerifyHashedPassword(User, OldCodeHash, OldCodePassword));
        Assert.Equal(PasswordVerificationResult.Failed, Hasher.VerifyHashedPassword(User, OldCodeHash, "old-code-passwore"));
    }

    [Fact]
    public void A_new_hash_has_the_identity_v3_header_with_sha512_and_100000_iterations()
    {
        var bytes = Convert.FromBase64String(Hasher.HashPassword(User, "changeit"));
        Assert.Equal(0x01, bytes[0]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1)));
        Assert.Equal(100_000u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5)));
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(9)));
        Assert.Equal(13 + 16 + 32, bytes.Length);
    }

    [Fact]
    public void The_right_password_verifies_and_a_wrong_one_does_not()
    {
        var hash = Hasher.HashPassword(User, "s3cret-päss");
        Assert.Equal(PasswordVerificationResult.Success, Hasher.VerifyHashedPassword(User, hash, "s3cret-päss"));
        Assert.Equal(PasswordVerificationResult.Failed, Hasher.VerifyHashedPassword(User, hash, "s3cret-pass"));
        Assert.Equal(PasswordVerificationResult.Failed, Hasher.VerifyHashedPassword(User, hash, ""));
    }

    [Fact]
    public void Two_hashes_of_one_password_differ_by_salt()
    {
        Assert.NotEqual(Hasher.HashPassword(User, "same"), Hasher.HashPassword(User, "same"));
    }

    [Fact]
    public void A_hash_of_an_unknown_format_never_verifies()
    {
        Assert.Equal(PasswordVerificationResult.Failed, Hasher.VerifyHashedPassword(User, "AA==", "anything"));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AA==")]
    public async Task A_user_with_a_damaged_stored_hash_gets_401_wrong_password_not_a_500(string hash)
    {
        var email = await InsertUserAsync(hash);
        (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email, password = "anything" }))
            .ShouldFail(System.Net.HttpStatusCode.Unauthorized, "wrong password");
    }

    [Fact]
    public void A_hash_with_a_tampered_subkey_does_not_verify()
    {
        var bytes = Convert.FromBase64String(Hasher.HashPassword(User, "changeit"));
        bytes[^1] ^= 0xFF;
        Assert.Equal(PasswordVerificationResult.Failed, Hasher.VerifyHashedPassword(User, Convert.ToBase64String(bytes), "changeit"));
    }

    [Fact]
    public async Task A_user_whose_hash_the_old_code_made_signs_in()
    {
        var email = await InsertUserAsync(OldCodeHash);
        (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email, password = OldCodePassword })).ShouldSucceed();
        // Same format and cost: nothing to upgrade.
        Assert.Equal(OldCodeHash, await StoredHashAsync(email));
    }

    [Fact]
    public async Task Signing_in_with_a_hash_of_fewer_iterations_rewrites_it_at_the_configured_cost()
    {
        var cheap = new PasswordHasher<UserAccount>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { IterationCount = 10_000 }));
        var oldHash = cheap.HashPassword(User, "cheap-password");
        var email = await InsertUserAsync(oldHash);

        (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email, password = "cheap-password" })).ShouldSucceed();

        var newHash = await StoredHashAsync(email);
        Assert.NotEqual(oldHash, newHash);
        Assert.Equal(100_000u, BinaryPrimitives.ReadUInt32BigEndian(Convert.FromBase64String(newHash!).AsSpan(5)));
        Assert.Equal(PasswordVerificationResult.Success, Hasher.VerifyHashedPassword(User, newHash!, "cheap-password"));
        (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email, password = "cheap-password" })).ShouldSucceed();
    }

    [Fact]
    public async Task A_wrong_password_leaves_a_cheap_hash_as_it_was()
    {
        var cheap = new PasswordHasher<UserAccount>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { IterationCount = 10_000 }));
        var oldHash = cheap.HashPassword(User, "cheap-password");
        var email = await InsertUserAsync(oldHash);

        (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email, password = "wrong-password" }))
            .ShouldFail(System.Net.HttpStatusCode.Unauthorized, "wrong password");
        Assert.Equal(oldHash, await StoredHashAsync(email));
    }

    private async Task<string> InsertUserAsync(string passwordHash)
    {
        var email = $"hash-{Guid.NewGuid():N}@example.com";
        await topology.AuthDatabase.ScalarAsync<int>(
            """
            INSERT INTO users (id, email, name, password_hash, verified, status, created_at, updated_at)
            VALUES (@id, @email, 'Old Hash', @hash, true, true, now(), now());
            INSERT INTO user_roles (user_id, role_id) SELECT @id, id FROM roles WHERE code = 'LEARNER';
            SELECT 1
            """,
            ("id", Guid.NewGuid()), ("email", email), ("hash", passwordHash));
        return email;
    }

    private Task<string?> StoredHashAsync(string email) =>
        topology.AuthDatabase.ScalarAsync<string>("SELECT password_hash FROM users WHERE email = @email", ("email", email));
}
