using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GoMicro.Modules.Blog.Persistence;

/// <summary>
/// What <c>dotnet ef</c> uses to build <see cref="BlogDbContext"/> (<c>migrations add</c>, <c>migrations script</c>)
/// without starting the Host. Adding a migration only compares the model with the snapshot and never connects, so no
/// database is needed; commands that do connect (<c>database update</c>) use <c>ConnectionStrings__Blog</c>, else the
/// local development database of appsettings.json.
/// </summary>
internal sealed class BlogDesignTimeDbContextFactory : IDesignTimeDbContextFactory<BlogDbContext>
{
    public BlogDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<BlogDbContext>();
        BlogDbContext.Configure(options, Environment.GetEnvironmentVariable("ConnectionStrings__Blog")
            ?? "Host=localhost;Port=5432;Database=gomicro_blog;Username=gomicro;Password=gomicro");
        return new BlogDbContext(options.Options);
    }
}
