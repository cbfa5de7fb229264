using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.Persistence;

/// <summary>
/// The Auth module's database. Internal: no other module may reach its tables. The mapping mirrors the hand-written
/// SQL in <see cref="Migrations.InitialSchema"/> (snake_case names), which is the source of truth for the schema.
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
            e.Property(u => u.Id).HasColumnName("id");
            e.Property(u => u.Email).HasColumnName("email");
            e.Property(u => u.Name).HasColumnName("name");
            e.Property(u => u.PasswordHash).HasColumnName("password_hash");
            e.Property(u => u.ProfilePicUrl).HasColumnName("profile_pic_url");
            e.Property(u => u.Verified).HasColumnName("verified");
            e.Property(u => u.Status).HasColumnName("status");
            e.Property(u => u.CreatedAt).HasColumnName("created_at");
            e.Property(u => u.UpdatedAt).HasColumnName("updated_at");
            e.HasIndex(u => u.Email).IsUnique().HasDatabaseName("ux_users_email");
            e.HasMany(u => u.Roles).WithMany().UsingEntity<Dictionary<string, object>>("user_roles",
                r => r.HasOne<Role>().WithMany().HasForeignKey("role_id"),
                u => u.HasOne<UserAccount>().WithMany().HasForeignKey("user_id"),
                j => j.HasKey("user_id", "role_id"));
        });
        model.Entity<Role>(e =>
        {
            e.ToTable("roles");
            e.Property(r => r.Id).HasColumnName("id");
            e.Property(r => r.Code).HasColumnName("code");
            e.Property(r => r.Status).HasColumnName("status");
            e.Property(r => r.CreatedAt).HasColumnName("created_at");
            e.HasIndex(r => r.Code).IsUnique();
        });
        model.Entity<KeystoreEntry>(e =>
        {
            e.ToTable("keystore");
            e.Property(k => k.Id).HasColumnName("id");
            e.Property(k => k.UserId).HasColumnName("user_id");
            e.Property(k => k.PrimaryKey).HasColumnName("primary_key");
            e.Property(k => k.SecondaryKey).HasColumnName("secondary_key");
            e.Property(k => k.Status).HasColumnName("status");
            e.Property(k => k.CreatedAt).HasColumnName("created_at");
            e.HasIndex(k => k.PrimaryKey).IsUnique();
            e.HasOne<UserAccount>().WithMany().HasForeignKey(k => k.UserId);
        });
        model.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.Property(k => k.Id).HasColumnName("id");
            e.Property(k => k.Key).HasColumnName("key");
            e.Property(k => k.Version).HasColumnName("version");
            e.Property(k => k.Permissions).HasColumnName("permissions");
            e.Property(k => k.Comments).HasColumnName("comments");
            e.Property(k => k.Status).HasColumnName("status");
            e.Property(k => k.CreatedAt).HasColumnName("created_at");
            e.Property(k => k.UpdatedAt).HasColumnName("updated_at");
            e.HasIndex(k => k.Key).IsUnique();
        });
    }
}
