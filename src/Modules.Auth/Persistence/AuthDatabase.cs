using GoMicro.Shared.Modularity;
using GoMicro.Shared.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GoMicro.Modules.Auth.Persistence;

/// <summary>Migrations and the development seed of the Auth database.</summary>
internal sealed class AuthDatabase(IServiceScopeFactory scopes, IPasswordHasher<UserAccount> hasher, ILogger<AuthDatabase> logger)
    : ModuleDatabase<AuthDbContext>(scopes, logger)
{
    public override string Module => "auth";

    public override string ConnectionStringName => "Auth";

    /// <summary>"AUTH" in ASCII; distinct from the Blog database's key in case both live on one server.</summary>
    protected override long MigrationLockKey => 0x41555448;

    /// <summary>The reference's development API key (the four roles come with the schema); <c>admin@example.com</c> / <c>changeit</c> with all
    /// four roles. Every statement is <c>ON CONFLICT DO NOTHING</c>, so running it again changes nothing.</summary>
    protected override async Task SeedAsync(AuthDbContext db, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var permissions = new[] { "GENERAL" };
        var comments = new[] { "development key of the reference system" };
        await db.Database.ExecuteSqlAsync(
            $"""
             INSERT INTO api_keys (id, key, version, permissions, comments, status, created_at, updated_at)
             VALUES ({Guid.CreateVersion7()}, {DevelopmentSeed.ApiKey}, 1, {permissions}, {comments}, true, {now}, {now})
             ON CONFLICT (key) DO NOTHING
             """, cancellationToken);

        if (!await db.Users.AnyAsync(u => u.Email == DevelopmentSeed.AdminEmail, cancellationToken))
        {
            var admin = new UserAccount { Id = DevelopmentSeed.AdminUserId, Email = DevelopmentSeed.AdminEmail, Name = "Admin", PasswordHash = "" };
            var hash = hasher.HashPassword(admin, DevelopmentSeed.AdminPassword);
            await db.Database.ExecuteSqlAsync(
                $"""
                 INSERT INTO users (id, email, name, password_hash, verified, status, created_at, updated_at)
                 VALUES ({DevelopmentSeed.AdminUserId}, {DevelopmentSeed.AdminEmail}, {"Admin"}, {hash}, true, true, {now}, {now})
                 ON CONFLICT (email) DO NOTHING
                 """, cancellationToken);
        }
        await db.Database.ExecuteSqlAsync(
            $"""
             INSERT INTO user_roles (user_id, role_id)
             SELECT u.id, r.id FROM users u CROSS JOIN roles r WHERE u.email = {DevelopmentSeed.AdminEmail}
             ON CONFLICT DO NOTHING
             """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
