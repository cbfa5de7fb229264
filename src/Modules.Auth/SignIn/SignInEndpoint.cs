using System.ComponentModel.DataAnnotations;
using GoMicro.Modules.Auth.Authentication;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Profiles;
using GoMicro.Modules.Auth.Requests;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using GoMicro.Shared.Web.RateLimiting;
using GoMicro.Shared.Web.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace GoMicro.Modules.Auth.SignIn;

/// <summary>Body of <c>POST /auth/signin/basic</c>.</summary>
internal sealed class SignInRequest
{
    /// <summary>Email address, case-insensitive; trimmed and lower-cased before it is checked.</summary>
    [Required, StringLength(AuthRules.MaxEmailLength), Email] public string? Email { get; init; }
    /// <summary>6–100 characters, kept exactly as sent.</summary>
    [Required, Verbatim, StringLength(100, MinimumLength = 6)] public string? Password { get; init; }
}

/// <summary><c>POST /auth/signin/basic</c>: checks the password and starts a session (api.md section 3).</summary>
internal static class SignInEndpoint
{
    /// <summary>The reference's text, misspelling included: clients match on it.</summary>
    public const string NotRegistered = "user not registerd";
    public const string WrongPassword = "wrong password";

    public static void Map(IEndpointRouteBuilder auth) =>
        auth.MapPost("/signin/basic", HandleAsync)
            .WithSummary("Sign in with email and password")
            .Produces<ApiResponse<UserAuth>>()
            .Produces<ApiResponse<object>>(StatusCodes.Status401Unauthorized)
            .Produces<ApiResponse<object>>(StatusCodes.Status404NotFound)
            .Produces<ApiResponse<object>>(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimitPolicies.AuthRequestsPerAddress);

    private static async Task<IResult> HandleAsync(
        SignInRequest body, AuthDbContext db, IPasswordHasher<UserAccount> hasher, WrongPasswordThrottle throttle, Sessions sessions,
        AuthenticationCache cache, ILogger<SignInRequest> logger, CancellationToken cancellationToken)
    {
        var email = body.Email!; // trimmed and lower-cased by the validation filter (EmailAttribute)
        var user = await db.Users.AsNoTracking().Include(u => u.Roles)
            .FirstOrDefaultAsync(u => u.Email == email && u.Status, cancellationToken)
            ?? throw ApiException.NotFound(NotRegistered);
        PasswordVerificationResult verification;
        using (var attempt = await throttle.BeginAsync(user.Id, cancellationToken))
        {
            verification = Verify(hasher, user, body.Password!, logger);
            if (verification == PasswordVerificationResult.Failed)
            {
                attempt.RecordFailure();
                throw ApiException.Unauthorized(WrongPassword);
            }
        }
        // A hash of an older, cheaper format or cost: replaced now that the password is known, in the same transaction
        // as the session so both commit together.
        var rehashed = verification == PasswordVerificationResult.SuccessRehashNeeded ? hasher.HashPassword(user, body.Password!) : null;

        // The whole unit of work runs inside the execution strategy, so a dropped connection or a database restarting
        // repeats all of it on a fresh connection (TransientFaults); each attempt starts from a clean change tracker.
        // Repeating is safe: an attempt that failed rolled back, and in the rare case where the commit reached the
        // database but its answer did not, the retry starts one more session, which the session limit bounds.
        var (tokens, ended) = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            if (rehashed is not null)
            {
                user.PasswordHash = rehashed;
                db.Users.Attach(user).Property(u => u.PasswordHash).IsModified = true;
            }
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await sessions.LockUserAsync(db, user.Id, ct);
            var started = await sessions.StartBoundedAsync(db, user.Id, ct);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return started;
        }, cancellationToken);
        // This instance forgets the sessions the limit ended before answering; the others on their event.
        foreach (var sessionId in ended) cache.EvictSession(sessionId);
        return ApiResults.Success("success", new UserAuth(user.ToPrivate(), tokens));
    }

    /// <summary>Identity's verdict; a stored hash that is not Base64 (damaged data) matches no password, as any other
    /// unknown format does, instead of failing the request.</summary>
    private static PasswordVerificationResult Verify(IPasswordHasher<UserAccount> hasher, UserAccount user, string password, ILogger logger)
    {
        try
        {
            return hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        }
        catch (FormatException)
        {
            logger.LogWarning("The stored password hash of user {UserId} is not Base64; sign-in refused", user.Id);
            return PasswordVerificationResult.Failed;
        }
    }
}
