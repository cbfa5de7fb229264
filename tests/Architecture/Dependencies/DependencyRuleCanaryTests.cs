using Mono.Cecil;

namespace GoMicro.Architecture.Tests.Dependencies;

/// <summary>
/// Each rule run once against a deliberately bad component: built as a real assembly in memory with Mono.Cecil (so the
/// IL reader is exercised too) or as a bad project file, and written to disk like the product's assemblies.
/// </summary>
public sealed class DependencyRuleCanaryTests
{
    [Fact]
    public void Shared_referencing_a_module_is_reported()
    {
        var bad = Build("GoMicro.Shared.Canary", references: ["GoMicro.Modules.Auth"]);
        Assert.Contains(DependencyRules.SharedReferencesNoModuleAndNoHost(bad), v => v.Contains("GoMicro.Modules.Auth"));
    }

    [Fact]
    public void Shared_referencing_the_host_through_its_project_file_is_reported()
    {
        var projectXml = """<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><ProjectReference Include="..\..\Host\Host.csproj" /></ItemGroup></Project>""";
        var bad = Build("GoMicro.Shared.Canary") with { ProjectReferences = Component.ReadProjectReferences(projectXml) };
        Assert.Contains(DependencyRules.SharedReferencesNoModuleAndNoHost(bad), v => v.Contains("GoMicro.Host"));
    }

    [Fact]
    public void A_module_referencing_another_module_is_reported_but_its_contracts_are_allowed()
    {
        var bad = Build("GoMicro.Modules.Blog", references: ["GoMicro.Modules.Auth", "GoMicro.Modules.Auth.Contracts", "GoMicro.Modules.Blog.Contracts"]);
        var violations = DependencyRules.ModuleReferencesNoOtherModuleAndNoHost(bad).ToArray();
        Assert.Equal(["GoMicro.Modules.Blog (module Blog) references GoMicro.Modules.Auth"], violations);
    }

    [Fact]
    public void A_module_referencing_the_host_is_reported()
    {
        var bad = Build("GoMicro.Modules.Blog", references: ["GoMicro.Host"]);
        Assert.NotEmpty(DependencyRules.ModuleReferencesNoOtherModuleAndNoHost(bad));
    }

    [Fact]
    public void Contracts_using_an_ef_core_type_are_reported()
    {
        var bad = Build("GoMicro.Shared.Contracts", baseType: ("Microsoft.EntityFrameworkCore", "Microsoft.EntityFrameworkCore", "DbContext"));
        Assert.Contains(DependencyRules.ContractsDependOnNeitherEfCoreNorAspNetCore(bad), v => v.Contains("Microsoft.EntityFrameworkCore"));
    }

    [Fact]
    public void Contracts_referencing_asp_net_core_are_reported()
    {
        var bad = Build("GoMicro.Modules.Blog.Contracts", references: ["Microsoft.AspNetCore.Http.Abstractions"]);
        Assert.NotEmpty(DependencyRules.ContractsDependOnNeitherEfCoreNorAspNetCore(bad));
    }

    [Fact]
    public void A_public_dbcontext_is_reported()
    {
        var bad = Build("GoMicro.Modules.Canary", baseType: ("Microsoft.EntityFrameworkCore", "Microsoft.EntityFrameworkCore", "DbContext"));
        Assert.Contains(DependencyRules.NoPublicDbContext(bad), v => v.Contains("CanaryType"));
    }

    [Fact]
    public void A_well_behaved_component_passes_every_rule()
    {
        var good = Build("GoMicro.Modules.Canary", references: ["GoMicro.Shared.Web"]);
        foreach (var rule in DependencyRulesTests.RuleNames)
            Assert.Empty(DependencyRulesTests.Rule(rule)(good));
    }

    /// <summary>Writes a small assembly with the given references and one public type, then loads it as the rules do.</summary>
    private static Component Build(string name, string[]? references = null, (string Assembly, string Namespace, string Name)? baseType = null)
    {
        var assembly = AssemblyDefinition.CreateAssembly(new AssemblyNameDefinition(name, new Version(1, 0)), name, ModuleKind.Dll);
        var module = assembly.MainModule;
        foreach (var reference in references ?? []) module.AssemblyReferences.Add(new AssemblyNameReference(reference, new Version(1, 0)));

        TypeReference parent = module.TypeSystem.Object;
        if (baseType is { } b)
        {
            var scope = new AssemblyNameReference(b.Assembly, new Version(10, 0));
            module.AssemblyReferences.Add(scope);
            parent = new TypeReference(b.Namespace, b.Name, module, scope);
        }
        module.Types.Add(new TypeDefinition("Canary", "CanaryType", TypeAttributes.Public | TypeAttributes.Class, parent));

        var folder = Directory.CreateTempSubdirectory("gomicro-canary-").FullName;
        var path = Path.Combine(folder, name + ".dll");
        assembly.Write(path);
        return Component.Load(path, projectPath: null);
    }
}
