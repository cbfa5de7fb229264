using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using GoMicro.Modules.Auth.Security;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>The stored hash is ASP.NET Core Identity's v3 format with PBKDF2-HMAC-SHA512 and 100,000 iterations.</summary>
public sealed class PasswordHasherTests
{
    private readonly PasswordHasher _hasher = new();

    [Fact]
    public void A_hash_has_the_identity_v3_header_with_sha512_and_100000_iterations()
    {
        var bytes = Convert.FromBase64String(_hasher.Hash("changeit"));
        Assert.Equal(0x01, bytes[0]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1)));
        Assert.Equal(100_000u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5)));
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(9)));
        Assert.Equal(13 + 16 + 32, bytes.Length);
    }

    [Fact]
    public void The_subkey_is_pbkdf2_of_the_password_and_stored_salt()
    {
        var bytes = Convert.FromBase64String(_hasher.Hash("changeit"));
        var expected = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes("changeit"), bytes.AsSpan(13, 16), 100_000, HashAlgorithmName.SHA512, 32);
        Assert.Equal(expected, bytes[29..]);
    }

    [Fact]
    public void The_right_password_verifies_and_a_wrong_one_does_not()
    {
        var hash = _hasher.Hash("s3cret-päss");
        Assert.True(_hasher.Verify(hash, "s3cret-päss"));
        Assert.False(_hasher.Verify(hash, "s3cret-pass"));
        Assert.False(_hasher.Verify(hash, ""));
    }

    [Fact]
    public void Two_hashes_of_one_password_differ_by_salt()
    {
        Assert.NotEqual(_hasher.Hash("same"), _hasher.Hash("same"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AA==")]
    public void A_corrupt_hash_never_verifies(string hash)
    {
        Assert.False(_hasher.Verify(hash, "anything"));
    }

    [Fact]
    public void A_hash_with_a_tampered_subkey_does_not_verify()
    {
        var bytes = Convert.FromBase64String(_hasher.Hash("changeit"));
        bytes[^1] ^= 0xFF;
        Assert.False(_hasher.Verify(Convert.ToBase64String(bytes), "changeit"));
    }
}
