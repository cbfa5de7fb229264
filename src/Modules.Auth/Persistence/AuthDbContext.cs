using GoMicro.Shared.Persistence;
using GoMicro.Shared.Persistence.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace GoMicro.Modules.Auth.Persistence;

/// <summary>
/// The Auth module's database. Internal: no other module may reach its tables. This model is the source of the schema:
/// migrations are generated from it with <c>dotnet ef migrations add</c> (see docs/development.md, Migrations), and every name is given
/// explicitly (PostgreSQL's own <c>*_pkey</c>/<c>*_fkey</c> names, <c>ux_</c>/<c>ix_</c> indexes, snake_case columns via
/// <see cref="SnakeCaseColumns"/>) because the code and existing databases rely on them, e.g. <c>ux_users_email</c> makes
/// two concurrent sign-ups of one email end in one success and one 400.
/// </summary>
internal sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : DbContext(options)
{
    public DbSet<UserAccount> Users => Set<UserAccount>();
    public DbSet<Role> Roles => Set<Role>();
    public DbSet<KeystoreEntry> Keystore => Set<KeystoreEntry>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    /// <summary>The Npgsql settings shared by the running module and the design-time factory, so the migrations the tool
    /// generates are the ones the module applies.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseModuleNpgsql(connectionString, "auth");

    /// <summary>The reference data every environment needs (sign-up assigns LEARNER): the four roles, with the ids the
    /// first schema gave them.</summary>
    public static readonly IReadOnlyList<Role> ReferenceRoles =
    [
        ReferenceRole("0193a6f0-0000-7000-8000-000000000001", "LEARNER"),
        ReferenceRole("0193a6f0-0000-7000-8000-000000000002", "AUTHOR"),
        ReferenceRole("0193a6f0-0000-7000-8000-000000000003", "EDITOR"),
        ReferenceRole("0193a6f0-0000-7000-8000-000000000004", "ADMIN"),
    ];

    private static Role ReferenceRole(string id, string code) =>
        new() { Id = Guid.Parse(id), Code = code, Status = true, CreatedAt = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero) };

    /// <summary>Indexes are declared, never implied: EF's one-index-per-foreign-key convention would add an index on
    /// <c>user_roles.role_id</c> that no query uses.</summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) =>
        configuration.Conventions.Remove<ForeignKeyIndexConvention>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<UserAccount>(e =>
        {
            e.ToTable("users", t => t.HasCheckConstraint("ck_users_email_lower", "email = lower(email)"));
            e.HasKey(u => u.Id).HasName("users_pkey");
            e.Property(u => u.Verified).HasColumnDefault(false);
            e.Property(u => u.Status).HasColumnDefault(true);
            e.HasIndex(u => u.Email).IsUnique().HasDatabaseName("ux_users_email");
            e.HasMany(u => u.Roles).WithMany().UsingEntity<Dictionary<string, object>>("user_roles",
                r => r.HasOne<Role>().WithMany().HasForeignKey("role_id").HasConstraintName("user_roles_role_id_fkey"),
                u => u.HasOne<UserAccount>().WithMany().HasForeignKey("user_id").HasConstraintName("user_roles_user_id_fkey"),
                j => j.HasKey("user_id", "role_id").HasName("user_roles_pkey"));
        });
        model.Entity<Role>(e =>
        {
            e.ToTable("roles");
            e.HasKey(r => r.Id).HasName("roles_pkey");
            e.Property(r => r.Status).HasColumnDefault(true);
            e.HasIndex(r => r.Code).IsUnique().HasDatabaseName("ux_roles_code");
            e.HasData(ReferenceRoles);
        });
        model.Entity<KeystoreEntry>(e =>
        {
            e.ToTable("keystore");
            e.HasKey(k => k.Id).HasName("keystore_pkey");
            e.Property(k => k.Status).HasColumnDefault(true);
            e.HasIndex(k => k.PrimaryKey).IsUnique().HasDatabaseName("ux_keystore_primary_key");
            e.HasIndex(k => k.UserId).HasDatabaseName("ix_keystore_user_id");
            // The expired-session purge deletes oldest first by created_at, in batches.
            e.HasIndex(k => k.CreatedAt).HasDatabaseName("ix_keystore_created_at");
            e.HasOne<UserAccount>().WithMany().HasForeignKey(k => k.UserId).HasConstraintName("keystore_user_id_fkey");
        });
        model.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.HasKey(k => k.Id).HasName("api_keys_pkey");
            e.Property(k => k.Version).HasColumnDefault(1);
            e.Property(k => k.Permissions).HasColumnDefaultSql("'{}'");
            e.Property(k => k.Comments).HasColumnDefaultSql("'{}'");
            e.Property(k => k.Status).HasColumnDefault(true);
            e.HasIndex(k => k.Key).IsUnique().HasDatabaseName("ux_api_keys_key");
        });
        model.AddOutbox();
        model.UseSnakeCaseColumns();
    }
}
