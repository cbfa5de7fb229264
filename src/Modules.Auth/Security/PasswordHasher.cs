using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace GoMicro.Modules.Auth.Security;

/// <summary>
/// Password hashes in ASP.NET Core Identity's v3 format, so they stay verifiable by Identity itself if the project ever
/// moves to it: <c>0x01 | PRF (uint32 BE, 2 = HMAC-SHA512) | iterations (uint32 BE) | salt length (uint32 BE) | salt | subkey</c>,
/// Base64-encoded. PBKDF2 with HMAC-SHA512, 100,000 iterations (Identity's default since .NET 7), a 128-bit salt and a
/// 256-bit subkey. The reference used bcrypt cost 5; see docs/adr for the cost decision.
/// </summary>
internal sealed class PasswordHasher
{
    private const byte FormatMarker = 0x01;
    private const uint PrfHmacSha512 = 2;
    private const int SaltSize = 16;
    private const int SubkeySize = 32;
    private const int HeaderSize = 13;

    /// <summary>Iterations for new hashes. Existing hashes carry their own count, so raising it later keeps old ones valid.</summary>
    public const int Iterations = 100_000;

    /// <summary>Hashes <paramref name="password"/> with a fresh random salt.</summary>
    public string Hash(string password)
    {
        Span<byte> output = stackalloc byte[HeaderSize + SaltSize + SubkeySize];
        output[0] = FormatMarker;
        BinaryPrimitives.WriteUInt32BigEndian(output[1..], PrfHmacSha512);
        BinaryPrimitives.WriteUInt32BigEndian(output[5..], Iterations);
        BinaryPrimitives.WriteUInt32BigEndian(output[9..], SaltSize);
        var salt = output.Slice(HeaderSize, SaltSize);
        RandomNumberGenerator.Fill(salt);
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, output[(HeaderSize + SaltSize)..], Iterations, HashAlgorithmName.SHA512);
        return Convert.ToBase64String(output);
    }

    /// <summary>True when <paramref name="password"/> matches <paramref name="hash"/>; compares in constant time.
    /// A hash in any other format (or corrupt) never matches.</summary>
    public bool Verify(string hash, string password)
    {
        byte[] decoded;
        try { decoded = Convert.FromBase64String(hash); }
        catch (FormatException) { return false; }
        if (decoded.Length < HeaderSize || decoded[0] != FormatMarker) return false;

        var prf = BinaryPrimitives.ReadUInt32BigEndian(decoded.AsSpan(1));
        var iterations = (int)BinaryPrimitives.ReadUInt32BigEndian(decoded.AsSpan(5));
        var saltLength = (int)BinaryPrimitives.ReadUInt32BigEndian(decoded.AsSpan(9));
        var algorithm = prf switch
        {
            0 => HashAlgorithmName.SHA1,
            1 => HashAlgorithmName.SHA256,
            2 => HashAlgorithmName.SHA512,
            _ => default,
        };
        if (algorithm == default || iterations <= 0 || saltLength < 16 || decoded.Length - HeaderSize - saltLength < 16) return false;

        var salt = decoded.AsSpan(HeaderSize, saltLength);
        var expected = decoded.AsSpan(HeaderSize + saltLength);
        Span<byte> actual = stackalloc byte[expected.Length];
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, actual, iterations, algorithm);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
