namespace GoMicro.Modules.Auth.Security;

/// <summary>
/// The password hashing cost: ASP.NET Core Identity's <c>PasswordHasher&lt;TUser&gt;</c> in its v3 format (PBKDF2 with
/// HMAC-SHA512, a 128-bit salt, a 256-bit subkey). Every stored hash carries its own PRF and iteration count, so hashes of
/// a lower count keep verifying and are rewritten at the next sign-in (ADR 0017; the cost decision is ADR 0004's).
/// </summary>
internal static class PasswordHashing
{
    /// <summary>Iterations for new hashes: Identity's default since .NET 7, made explicit.</summary>
    public const int Iterations = 100_000;
}
