using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GoMicro.Modules.Auth.Persistence;

/// <summary>
/// What <c>dotnet ef</c> uses to build <see cref="AuthDbContext"/> (<c>migrations add</c>, <c>migrations script</c>)
/// without starting the Host. Adding a migration only compares the model with the snapshot and never connects, so no
/// database is needed; commands that do connect (<c>database update</c>) use <c>ConnectionStrings__Auth</c>, else the
/// local development database of appsettings.json.
/// </summary>
internal sealed class AuthDesignTimeDbContextFactory : IDesignTimeDbContextFactory<AuthDbContext>
{
    public AuthDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<AuthDbContext>();
        AuthDbContext.Configure(options, Environment.GetEnvironmentVariable("ConnectionStrings__Auth")
            ?? "Host=localhost;Port=5432;Database=gomicro_auth;Username=gomicro;Password=gomicro");
        return new AuthDbContext(options.Options);
    }
}
