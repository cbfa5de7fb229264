using GoMicro.Host.Modules;
using GoMicro.Modules.Auth;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

// Deliberate violators, one namespace per broken rule, so every rule is shown to fail on something (the canaries).
// They live in the test assembly, which the product rules never look at.

namespace GoMicro.Architecture.Tests.Canaries.SharedUsingAModule
{
    public sealed class UsesAuthModule { public AuthModule? Module { get; set; } }
}

namespace GoMicro.Architecture.Tests.Canaries.SharedUsingTheHost
{
    public sealed class UsesHost { public ActiveModules? Modules { get; set; } }
}

namespace GoMicro.Architecture.Tests.Canaries.ContractsUsingEfCore
{
    public sealed record UsesEfCore(EntityState State);
}

namespace GoMicro.Architecture.Tests.Canaries.ContractsUsingAspNetCore
{
    public sealed record UsesAspNetCore(PathString Path);
}

namespace GoMicro.Architecture.Tests.Canaries.PublicDbContext
{
    public sealed class LeakedContext(DbContextOptions options) : DbContext(options);
}

namespace GoMicro.Architecture.Tests.Canaries.PublicModuleTypes
{
    public sealed class PublicTopLevel;

    internal static class Holder
    {
        public sealed class PublicNested;
    }
}

namespace GoMicro.Architecture.Tests.Canaries.AllowedModuleTypes
{
    // What the module rule lets through: internal types, and a public migration as dotnet-ef generates it.
    internal sealed class InternalType { public IModuleBus? Bus { get; set; } }

    public sealed class GeneratedMigration : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) { }
    }
}

namespace GoMicro.Architecture.Tests.Canaries.SharedUsingAuthContracts
{
    // Shared code other than the Auth client reading an Auth type: no longer neutral between modules.
    public sealed class UsesAuthUser { public User? User { get; set; } }
}
