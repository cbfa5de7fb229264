using System.ComponentModel.DataAnnotations;
using GoMicro.Modules.Auth.Authentication;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Profiles;
using GoMicro.Modules.Auth.Security;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Persistence;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.SignUp;

/// <summary>Body of <c>POST /auth/signup/basic</c>.</summary>
public sealed class SignUpRequest
{
    /// <summary>Email address; compared case-insensitively (stored lower-cased).</summary>
    [Required, EmailAddress] public string? Email { get; init; }
    /// <summary>6–100 characters.</summary>
    [Required, StringLength(100, MinimumLength = 6)] public string? Password { get; init; }
    /// <summary>Display name, 2–200 characters.</summary>
    [Required, StringLength(200, MinimumLength = 2)] public string? Name { get; init; }
    /// <summary>Optional absolute http(s) URL.</summary>
    [Url] public string? ProfilePicUrl { get; init; }
}

/// <summary><c>POST /auth/signup/basic</c>: creates a LEARNER and signs them in (api.md section 3).</summary>
internal static class SignUpEndpoint
{
    public const string AlreadyRegistered = "user already registered";

    public static void Map(IEndpointRouteBuilder auth) =>
        auth.MapPost("/signup/basic", HandleAsync)
            .WithSummary("Sign up with email and password; the new user gets the LEARNER role")
            .Produces<ApiResponse<UserAuth>>()
            .Produces<ApiResponse<object>>(StatusCodes.Status400BadRequest);

    private static async Task<IResult> HandleAsync(
        SignUpRequest body, AuthDbContext db, PasswordHasher hasher, Sessions sessions, TimeProvider time, CancellationToken cancellationToken)
    {
        var email = body.Email!.Trim().ToLowerInvariant();
        if (await db.Users.AnyAsync(u => u.Email == email, cancellationToken)) throw ApiException.BadRequest(AlreadyRegistered);

        var learner = await db.Roles.SingleAsync(r => r.Code == RoleCodes.Learner, cancellationToken);
        var now = time.GetUtcNow();
        var user = new UserAccount
        {
            Id = Guid.CreateVersion7(),
            Email = email,
            Name = body.Name!.Trim(),
            PasswordHash = hasher.Hash(body.Password!),
            ProfilePicUrl = body.ProfilePicUrl,
            CreatedAt = now,
            UpdatedAt = now,
            Roles = [learner],
        };
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
        return ApiResults.Success("success", new UserAuth(user.ToPrivate(), tokens));
    }
}
