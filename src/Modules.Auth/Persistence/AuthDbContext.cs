using GoMicro.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.Persistence;

/// <summary>
/// The Auth module's database. Internal: no other module may reach its tables. The mapping mirrors the hand-written
/// SQL in <see cref="Migrations.InitialSchema"/> (snake_case names, see <see cref="SnakeCaseColumns"/>), which is the source of truth for the schema.
/// </summary>
internal sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : DbContext(options)
{
    public DbSet<UserAccount> Users => Set<UserAccount>();
    public DbSet<Role> Roles => Set<Role>();
    public DbSet<KeystoreEntry> Keystore => Set<KeystoreEntry>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<UserAccount>(e =>
        {
            e.ToTable("users");
            e.HasIndex(u => u.Email).IsUnique().HasDatabaseName("ux_users_email");
            e.HasMany(u => u.Roles).WithMany().UsingEntity<Dictionary<string, object>>("user_roles",
                r => r.HasOne<Role>().WithMany().HasForeignKey("role_id"),
                u => u.HasOne<UserAccount>().WithMany().HasForeignKey("user_id"),
                j => j.HasKey("user_id", "role_id"));
        });
        model.Entity<Role>(e =>
        {
            e.ToTable("roles");
            e.HasIndex(r => r.Code).IsUnique();
        });
        model.Entity<KeystoreEntry>(e =>
        {
            e.ToTable("keystore");
            e.HasIndex(k => k.PrimaryKey).IsUnique();
            e.HasOne<UserAccount>().WithMany().HasForeignKey(k => k.UserId);
        });
        model.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.HasIndex(k => k.Key).IsUnique();
        });
        model.UseSnakeCaseColumns();
    }
}
