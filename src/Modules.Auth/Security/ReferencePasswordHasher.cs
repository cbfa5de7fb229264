using System.Text.RegularExpressions;
using GoMicro.Modules.Auth.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GoMicro.Modules.Auth.Security;

/// <summary>
/// The Auth module's <see cref="IPasswordHasher{TUser}"/>: Identity's <see cref="PasswordHasher{TUser}"/> (ADR 0017) for
/// every hash it writes and every hash of its own format, plus the one foreign format that can be stored here: the
/// reference's bcrypt (gomicro hashes with Go's <c>bcrypt.GenerateFromPassword</c> at cost 5, and its seed at cost 10),
/// which only <c>import users</c> brings in. A bcrypt hash is checked with BCrypt.Net-Next and, when the password
/// matches, answers <see cref="PasswordVerificationResult.SuccessRehashNeeded"/>, so the sign-in replaces it with ours
/// in the same commit as the session: each imported hash is accepted once and then gone. No hash of ours can be taken
/// for bcrypt: Identity's are Base64, which has no <c>$</c>. Nothing writes bcrypt.
/// </summary>
internal sealed partial class ReferencePasswordHasher(IOptions<PasswordHasherOptions> options) : IPasswordHasher<UserAccount>
{
    private readonly PasswordHasher<UserAccount> _ours = new(options);

    /// <summary>Whether <paramref name="hash"/> is a bcrypt hash as the reference's Go library writes them
    /// (<c>$2a$</c>, or <c>$2b$</c>/<c>$2y$</c> from other tools; cost 04–31; 22 salt and 31 hash characters). The
    /// <c>$2x$</c> variant, which marks hashes of an old buggy implementation, is not accepted.</summary>
    public static bool IsBcrypt(string hash) => BcryptPattern().IsMatch(hash);

    /// <inheritdoc />
    public string HashPassword(UserAccount user, string password) => _ours.HashPassword(user, password);

    /// <inheritdoc />
    /// <exception cref="FormatException">A hash that is neither bcrypt nor Base64 (damaged data), from Identity.</exception>
    public PasswordVerificationResult VerifyHashedPassword(UserAccount user, string hashedPassword, string providedPassword)
    {
        if (!IsBcrypt(hashedPassword)) return _ours.VerifyHashedPassword(user, hashedPassword, providedPassword);
        try
        {
            // Verify, not EnhancedVerify: the reference hashed the password itself, not a SHA-384 of it.
            return BCrypt.Net.BCrypt.Verify(providedPassword, hashedPassword)
                ? PasswordVerificationResult.SuccessRehashNeeded
                : PasswordVerificationResult.Failed;
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return PasswordVerificationResult.Failed;
        }
    }

    [GeneratedRegex(@"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$", RegexOptions.CultureInvariant)]
    private static partial Regex BcryptPattern();
}
