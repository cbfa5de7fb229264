using NetArchTest.Rules;

namespace GoMicro.Architecture.Tests.Dependencies;

/// <summary>
/// Each rule run once on deliberate violators (the types in <c>GoMicro.Architecture.Tests.Canaries.*</c>, compiled
/// into this assembly, or a bad project file): a rule that cannot report these would pass on anything.
/// </summary>
public sealed class DependencyRuleCanaryTests
{
    private const string Canaries = "GoMicro.Architecture.Tests.Canaries.";

    private static Types Canary(string name) =>
        typeof(DependencyRuleCanaryTests).Assembly.GetTypes().Any(t => t.Namespace == Canaries + name)
            ? Types.InNamespace(Canaries + name)
            : throw new InvalidOperationException($"No canary type in {Canaries}{name}: the test would prove nothing.");

    [Fact]
    public void Shared_using_a_module_type_is_reported()
    {
        Assert.Equal([Canaries + "SharedUsingAModule.UsesAuthModule"], DependencyRules.SharedUsesNoModuleAndNoHost(Canary("SharedUsingAModule")));
    }

    [Fact]
    public void Shared_using_a_host_type_is_reported()
    {
        Assert.Equal([Canaries + "SharedUsingTheHost.UsesHost"], DependencyRules.SharedUsesNoModuleAndNoHost(Canary("SharedUsingTheHost")));
    }

    [Fact]
    public void A_module_using_another_module_is_reported_and_not_its_own()
    {
        // The same type uses the Auth module: wrong for Blog, fine for Auth itself.
        Assert.NotEmpty(DependencyRules.ModuleUsesNoOtherModuleAndNoHost(Canary("SharedUsingAModule"), "Blog", ["Auth", "Blog"]));
        Assert.Empty(DependencyRules.ModuleUsesNoOtherModuleAndNoHost(Canary("SharedUsingAModule"), "Auth", ["Auth", "Blog"]));
    }

    [Fact]
    public void A_module_using_the_host_is_reported()
    {
        Assert.NotEmpty(DependencyRules.ModuleUsesNoOtherModuleAndNoHost(Canary("SharedUsingTheHost"), "Blog", ["Auth", "Blog"]));
    }

    [Fact]
    public void Contracts_using_an_ef_core_type_are_reported()
    {
        Assert.Equal([Canaries + "ContractsUsingEfCore.UsesEfCore"], DependencyRules.ContractsUseNoWebOrDataFramework(Canary("ContractsUsingEfCore")));
    }

    [Fact]
    public void Contracts_using_an_asp_net_core_type_are_reported()
    {
        Assert.Equal([Canaries + "ContractsUsingAspNetCore.UsesAspNetCore"], DependencyRules.ContractsUseNoWebOrDataFramework(Canary("ContractsUsingAspNetCore")));
    }

    [Fact]
    public void A_public_dbcontext_is_reported()
    {
        Assert.Equal([Canaries + "PublicDbContext.LeakedContext"], DependencyRules.NoPublicDbContext(Canary("PublicDbContext")));
    }

    [Fact]
    public void Public_module_types_are_reported_top_level_and_nested()
    {
        var violations = DependencyRules.ModuleTypesAreInternal(Canary("PublicModuleTypes"));
        Assert.Contains(Canaries + "PublicModuleTypes.PublicTopLevel", violations);
        Assert.Contains(violations, v => v.EndsWith("PublicNested", StringComparison.Ordinal));
        Assert.Equal(2, violations.Count);
    }

    [Fact]
    public void Internal_types_and_generated_migrations_pass_the_internal_rule()
    {
        Assert.Empty(DependencyRules.ModuleTypesAreInternal(Canary("AllowedModuleTypes")));
    }

    [Fact]
    public void Shared_referencing_the_host_project_is_reported()
    {
        var bad = ProjectFile.Parse("GoMicro.Shared.Canary", """<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><ProjectReference Include="..\..\Host\Host.csproj" /></ItemGroup></Project>""");
        Assert.Equal(["GoMicro.Shared.Canary references the project GoMicro.Host"], DependencyRules.ProjectReferencesKeepTheBoundaries(bad));
    }

    [Fact]
    public void Shared_referencing_a_module_project_is_reported()
    {
        var bad = ProjectFile.Parse("GoMicro.Shared.Canary", """<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><ProjectReference Include="../../Modules.Auth/Modules.Auth.csproj" /></ItemGroup></Project>""");
        Assert.NotEmpty(DependencyRules.ProjectReferencesKeepTheBoundaries(bad));
    }

    [Fact]
    public void A_module_referencing_another_module_project_is_reported_but_not_shared_projects()
    {
        var bad = ProjectFile.Parse("GoMicro.Modules.Blog", """
            <Project Sdk="Microsoft.NET.Sdk"><ItemGroup>
              <ProjectReference Include="..\Modules.Auth\Modules.Auth.csproj" />
              <ProjectReference Include="..\Shared\Web\Shared.Web.csproj" />
            </ItemGroup></Project>
            """);
        Assert.Equal(["GoMicro.Modules.Blog references the project GoMicro.Modules.Auth"], DependencyRules.ProjectReferencesKeepTheBoundaries(bad));
    }

    [Fact]
    public void A_contracts_project_on_the_web_sdk_or_with_ef_core_is_reported()
    {
        var bad = ProjectFile.Parse("GoMicro.Shared.Contracts", """
            <Project Sdk="Microsoft.NET.Sdk.Web"><ItemGroup>
              <PackageReference Include="Microsoft.EntityFrameworkCore" />
              <FrameworkReference Include="Microsoft.AspNetCore.App" />
            </ItemGroup></Project>
            """);
        Assert.Equal(3, DependencyRules.ContractsProjectReferencesNoWebOrDataFramework(bad).Count());
    }

    [Fact]
    public void A_shared_project_referencing_against_the_order_is_reported()
    {
        // Persistence on Web: the backwards arrow the order forbids (ADR 0033).
        var bad = ProjectFile.Parse("GoMicro.Shared.Persistence", """
            <Project Sdk="Microsoft.NET.Sdk"><ItemGroup>
              <ProjectReference Include="..\Modularity\Shared.Modularity.csproj" />
              <ProjectReference Include="..\Web\Shared.Web.csproj" />
            </ItemGroup></Project>
            """);
        Assert.Equal(["GoMicro.Shared.Persistence references GoMicro.Shared.Web, which the order of Shared's projects does not allow"],
            DependencyRules.SharedProjectsKeepTheirOrder(bad));
    }

    [Fact]
    public void A_shared_project_outside_the_order_is_reported()
    {
        var bad = ProjectFile.Parse("GoMicro.Shared.Canary", """<Project Sdk="Microsoft.NET.Sdk" />""");
        Assert.Single(DependencyRules.SharedProjectsKeepTheirOrder(bad));
    }

    [Fact]
    public void Shared_code_using_the_auth_contracts_is_reported()
    {
        Assert.Equal([Canaries + "SharedUsingAuthContracts.UsesAuthUser"],
            DependencyRules.OnlyTheAuthClientUsesAuthContracts(Canary("SharedUsingAuthContracts")));
    }

    [Fact]
    public void Using_an_assembly_without_referencing_its_project_is_reported()
    {
        // This test assembly uses the Host, the Auth module and the bus (the canaries above); a project file that lists only
        // the Host leans on the Host's references for the rest.
        var bad = ProjectFile.Parse("GoMicro.Architecture.Tests", """<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><ProjectReference Include="..\..\src\Host\Host.csproj" /></ItemGroup></Project>""");
        var violations = DependencyRules.UsedAssembliesAreReferencedDirectly(bad, typeof(DependencyRuleCanaryTests).Assembly).ToArray();
        Assert.Contains("GoMicro.Architecture.Tests uses GoMicro.Modules.Auth without referencing its project directly", violations);
        Assert.Contains("GoMicro.Architecture.Tests uses GoMicro.Shared.Bus without referencing its project directly", violations);
        Assert.DoesNotContain(violations, v => v.Contains("uses GoMicro.Host ", StringComparison.Ordinal));
    }
}
