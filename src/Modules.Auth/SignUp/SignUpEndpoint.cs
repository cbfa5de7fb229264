using System.ComponentModel.DataAnnotations;
using GoMicro.Modules.Auth.Authentication;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Profiles;
using GoMicro.Modules.Auth.Requests;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Persistence;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using GoMicro.Shared.Web.RateLimiting;
using GoMicro.Shared.Web.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GoMicro.Modules.Auth.SignUp;

/// <summary>Body of <c>POST /auth/signup/basic</c>. Strings except the password are trimmed before they are checked.</summary>
internal sealed class SignUpRequest
{
    /// <summary>Email address, at most 320 characters as sent (254 once trimmed, RFC 5321); stored lower-cased, so compared case-insensitively.</summary>
    [Required, StringLength(AuthRules.MaxEmailLength), Email] public string? Email { get; init; }
    /// <summary>6–100 characters, kept exactly as sent.</summary>
    [Required, Verbatim, StringLength(100, MinimumLength = 6)] public string? Password { get; init; }
    /// <summary>Display name, 2–200 characters once trimmed.</summary>
    [Required, StringLength(200, MinimumLength = 2)] public string? Name { get; init; }
    /// <summary>Optional absolute http(s) URL, at most 2000 characters.</summary>
    [StringLength(AuthRules.MaxUrlLength), HttpUrl] public string? ProfilePicUrl { get; init; }
}

/// <summary><c>POST /auth/signup/basic</c>: creates a LEARNER and signs them in (api.md section 3).</summary>
internal static class SignUpEndpoint
{
    public const string AlreadyRegistered = "user already registered";

    public static void Map(IEndpointRouteBuilder auth) =>
        auth.MapPost("/signup/basic", HandleAsync)
            .WithSummary("Sign up with email and password; the new user gets the LEARNER role")
            .Produces<ApiResponse<UserAuth>>()
            .Produces<ApiResponse<object>>(StatusCodes.Status400BadRequest)
            .Produces<ApiResponse<object>>(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimitPolicies.AuthRequestsPerAddress);

    private static async Task<IResult> HandleAsync(
        SignUpRequest body, AuthDbContext db, IPasswordHasher<UserAccount> hasher, Sessions sessions, TimeProvider time, CancellationToken cancellationToken)
    {
        var email = body.Email!; // trimmed and lower-cased by the validation filter (EmailAttribute)
        if (await db.Users.AnyAsync(u => u.Email == email, cancellationToken)) throw ApiException.BadRequest(AlreadyRegistered);

        var learner = await db.Roles.SingleAsync(r => r.Code == RoleCodes.Learner, cancellationToken);
        var now = time.GetUtcNow();
        var user = new UserAccount
        {
            Id = Guid.CreateVersion7(),
            Email = email,
            Name = body.Name!,
            PasswordHash = "",
            ProfilePicUrl = body.ProfilePicUrl,
            CreatedAt = now,
            UpdatedAt = now,
            Roles = [learner],
        };
        user.PasswordHash = hasher.HashPassword(user, body.Password!);
        db.Users.Add(user);
        var tokens = sessions.Start(db, user.Id);
        try
        {
            // One SaveChanges: user, role link and session commit together or not at all.
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation("ux_users_email"))
        {
            // A concurrent sign-up of the same email committed first.
            throw ApiException.BadRequest(AlreadyRegistered);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.CheckViolation, ConstraintName: "ck_users_email_lower" })
        {
            // The database lower-cases a character differently from EmailAttribute.Normalize: refuse the address, never a 500.
            throw ApiException.BadRequest(ValidationMessages.Email("email"));
        }
        return ApiResults.Success("success", new UserAuth(user.ToPrivate(), tokens));
    }
}
