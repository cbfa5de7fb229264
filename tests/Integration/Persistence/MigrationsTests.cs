using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Blog.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace GoMicro.Integration.Tests.Persistence;

/// <summary>
/// Every model change comes with its migration: the model built by the design-time factories (the ones
/// <c>dotnet ef migrations add</c> uses) must equal the last migration's model snapshot. Needs no database.
/// </summary>
public sealed class MigrationsTests
{
    private const string Hint = "the model differs from the migrations' snapshot: run `dotnet ef migrations add <Name>` in the module's folder (docs/development.md, Migrations)";

    [Fact]
    public void The_auth_model_has_no_change_without_a_migration()
    {
        using var db = new AuthDesignTimeDbContextFactory().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(), Hint);
    }

    [Fact]
    public void The_blog_model_has_no_change_without_a_migration()
    {
        using var db = new BlogDesignTimeDbContextFactory().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(), Hint);
    }

    /// <summary>Canary: the check above can fail. The same context with one more index in its model has a pending change.</summary>
    [Fact]
    public void A_model_change_without_a_migration_is_detected()
    {
        var options = new DbContextOptionsBuilder<AuthDbContext>();
        AuthDbContext.Configure(options, "Host=localhost;Database=never_opened")
            .ReplaceService<IModelCustomizer, OneMoreIndex>();
        using var db = new AuthDbContext(options.Options);

        Assert.True(db.Database.HasPendingModelChanges());
    }

    private sealed class OneMoreIndex(ModelCustomizerDependencies dependencies) : RelationalModelCustomizer(dependencies)
    {
        public override void Customize(ModelBuilder modelBuilder, DbContext context)
        {
            base.Customize(modelBuilder, context);
            modelBuilder.Entity<ApiKey>().HasIndex(k => k.CreatedAt).HasDatabaseName("ix_api_keys_created_at");
        }
    }
}
