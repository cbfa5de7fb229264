using GoMicro.Host.Modules;

namespace GoMicro.Architecture.Tests.Dependencies;

/// <summary>The rules over every product project, plus the checks that they actually look at the product.</summary>
public sealed class DependencyRulesTests
{
    private static readonly string[] Modules = ModuleCatalog.All.Select(m => DependencyRules.ModuleOf(m.GetType().Assembly.GetName().Name!)!).ToArray();

    private static bool IsShared(string assembly) => assembly.StartsWith("GoMicro.Shared.", StringComparison.Ordinal);

    private static bool InModule(string assembly, string module) => DependencyRules.ModuleOf(assembly) == module;

    private static void AssertNone(IEnumerable<string> violations)
    {
        var all = violations.ToArray();
        Assert.True(all.Length == 0, string.Join(Environment.NewLine, all));
    }

    [Fact]
    public void Shared_code_uses_no_module_and_no_host() =>
        AssertNone(DependencyRules.SharedUsesNoModuleAndNoHost(ProductProjects.TypesOf(IsShared)));

    [Fact]
    public void Each_module_uses_no_other_module_and_no_host() =>
        AssertNone(Modules.SelectMany(m => DependencyRules.ModuleUsesNoOtherModuleAndNoHost(ProductProjects.TypesOf(a => InModule(a, m)), m, Modules)));

    [Fact]
    public void Contracts_use_no_web_or_data_framework() =>
        AssertNone(DependencyRules.ContractsUseNoWebOrDataFramework(ProductProjects.TypesOf(a => a.EndsWith(".Contracts", StringComparison.Ordinal))));

    [Fact]
    public void No_dbcontext_is_public() =>
        AssertNone(DependencyRules.NoPublicDbContext(ProductProjects.TypesOf(_ => true)));

    [Fact]
    public void Module_types_are_internal_except_the_entry_points() =>
        AssertNone(DependencyRules.ModuleTypesAreInternal(ProductProjects.TypesOf(a => DependencyRules.ModuleOf(a) is not null)));

    [Fact]
    public void Project_references_keep_the_boundaries() =>
        AssertNone(ProductProjects.Projects.SelectMany(DependencyRules.ProjectReferencesKeepTheBoundaries));

    [Fact]
    public void Contracts_projects_reference_no_web_or_data_framework() =>
        AssertNone(ProductProjects.Projects.SelectMany(DependencyRules.ContractsProjectReferencesNoWebOrDataFramework));

    [Fact]
    public void Shared_projects_keep_their_order() =>
        AssertNone(ProductProjects.Projects.SelectMany(DependencyRules.SharedProjectsKeepTheirOrder));

    [Fact]
    public void Inside_shared_only_contracts_and_the_auth_client_use_the_auth_contracts() =>
        AssertNone(DependencyRules.OnlyTheAuthClientUsesAuthContracts(ProductProjects.TypesOf(a =>
            IsShared(a) && a is not "GoMicro.Shared.Contracts" and not "GoMicro.Shared.AuthClient")));

    [Fact]
    public void Each_project_references_directly_every_gomicro_assembly_it_uses() =>
        AssertNone(ProductProjects.Compiled.SelectMany(p => DependencyRules.UsedAssembliesAreReferencedDirectly(p.Project, p.Assembly)));

    [Fact]
    public void The_order_covers_every_shared_project_and_nothing_else()
    {
        // Guards the order rule against a stale table: a row for a project that is gone would hide a typo.
        Assert.Equal(DependencyRules.SharedOrder.Keys.Order(), ProductProjects.Names.Where(IsShared).Order());
    }

    [Fact]
    public void The_rules_see_every_module_the_shared_projects_and_the_host()
    {
        var names = ProductProjects.Names.ToArray();
        Assert.Contains("GoMicro.Host", names);
        Assert.Contains("GoMicro.Shared.Contracts", names);
        Assert.Contains(names, n => IsShared(n) && n != "GoMicro.Shared.Contracts");
        Assert.Equal(["Auth", "Blog"], Modules.Order());
        foreach (var module in ModuleCatalog.All)
            Assert.Contains(module.GetType().Assembly.GetName().Name, names);
    }

    [Fact]
    public void The_entry_points_the_internal_rule_exempts_are_public_and_everything_else_is_not()
    {
        // Guards the internal rule against looking at nothing: the modules do have public entry points (exempt) and
        // internal types (checked), and DbContexts that exist but are not public.
        foreach (var module in ModuleCatalog.All)
        {
            var types = module.GetType().Assembly.GetTypes();
            Assert.True(module.GetType().IsPublic);
            Assert.Contains(types, t => !t.IsPublic && !t.IsNested);
            var contexts = types.Where(t => t.IsSubclassOf(typeof(Microsoft.EntityFrameworkCore.DbContext))).ToArray();
            Assert.NotEmpty(contexts);
            Assert.All(contexts, c => Assert.False(c.IsPublic || c.IsNestedPublic, $"{c.FullName} is public"));
        }
    }
}
