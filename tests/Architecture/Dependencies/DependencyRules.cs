using System.Reflection;
using GoMicro.Shared.Modularity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using NetArchTest.Rules;

namespace GoMicro.Architecture.Tests.Dependencies;

/// <summary>
/// The boundaries that keep the monolith splittable, over compiled types (NetArchTest, ADR 23) and over project files.
/// Each rule returns its violations: failing type names, or one line per bad reference; empty when obeyed.
/// Modules are <c>GoMicro.Modules.{Module}</c>; the vocabulary they share is <c>GoMicro.Shared.Contracts</c>.
/// </summary>
public static class DependencyRules
{
    private const string ModulesNamespace = "GoMicro.Modules";
    private const string SharedPrefix = "GoMicro.Shared.";
    private const string Host = "GoMicro.Host";

    private static readonly string[] WebAndDataFrameworks = ["Microsoft.EntityFrameworkCore", "Microsoft.AspNetCore", "Npgsql"];

    /// <summary>The module an assembly or namespace belongs to (<c>Blog</c> for <c>GoMicro.Modules.Blog.Persistence</c>), or null.</summary>
    public static string? ModuleOf(string name) =>
        name.StartsWith(ModulesNamespace + ".", StringComparison.Ordinal) ? name[(ModulesNamespace.Length + 1)..].Split('.')[0] : null;

    /// <summary>Shared code is below every module: its types use no module's type and no Host type.</summary>
    public static IReadOnlyList<string> SharedUsesNoModuleAndNoHost(Types shared) =>
        Failing(shared.Should().NotHaveDependencyOnAny(ModulesNamespace, Host).GetResult());

    /// <summary>A module's types use no other module's type and no Host type; modules talk over the bus only.</summary>
    /// <param name="moduleTypes">The types of module <paramref name="module"/>.</param>
    /// <param name="module">Its name, e.g. <c>Blog</c>.</param>
    /// <param name="modules">Every module's name.</param>
    public static IReadOnlyList<string> ModuleUsesNoOtherModuleAndNoHost(Types moduleTypes, string module, IEnumerable<string> modules) =>
        Failing(moduleTypes.Should()
            .NotHaveDependencyOnAny([.. modules.Where(m => m != module).Select(m => $"{ModulesNamespace}.{m}"), Host])
            .GetResult());

    /// <summary>Contracts are plain records: no EF Core, ASP.NET Core or Npgsql type, so any process can speak them.</summary>
    public static IReadOnlyList<string> ContractsUseNoWebOrDataFramework(Types contracts) =>
        Failing(contracts.Should().NotHaveDependencyOnAny(WebAndDataFrameworks).GetResult());

    /// <summary>No DbContext is public: a module's tables are reachable only through the module.</summary>
    public static IReadOnlyList<string> NoPublicDbContext(Types types) =>
        Failing(types.That().Inherit(typeof(DbContext)).Should().NotBePublic().And().NotBeNestedPublic().GetResult());

    /// <summary>
    /// A module's types are internal, except its entry point (the <see cref="IModule"/> the Host lists) and the
    /// migrations <c>dotnet ef migrations add</c> generates as public (EF Core finds them either way).
    /// </summary>
    public static IReadOnlyList<string> ModuleTypesAreInternal(Types moduleTypes) =>
        Failing(moduleTypes.That().DoNotImplementInterface(typeof(IModule)).And().DoNotInherit(typeof(Migration))
            .Should().NotBePublic().And().NotBeNestedPublic().GetResult());

    /// <summary>The project-file side of the shared and module rules: no project reference across a boundary.</summary>
    public static IEnumerable<string> ProjectReferencesKeepTheBoundaries(ProjectFile project)
    {
        var module = ModuleOf(project.Name);
        var shared = project.Name.StartsWith(SharedPrefix, StringComparison.Ordinal);
        return project.ProjectReferences
            .Where(r => r == Host
                        || (shared && ModuleOf(r) is not null)
                        || (module is not null && ModuleOf(r) is { } other && other != module))
            .Select(r => $"{project.Name} references the project {r}");
    }

    /// <summary>The project-file side of the contracts rule: no web SDK, no ASP.NET Core framework, no EF Core or Npgsql package.</summary>
    public static IEnumerable<string> ContractsProjectReferencesNoWebOrDataFramework(ProjectFile project)
    {
        if (!project.Name.EndsWith(".Contracts", StringComparison.Ordinal)) return [];
        return project.PackageReferences.Concat(project.FrameworkReferences).Append(project.Sdk)
            .Where(r => r.EndsWith(".Web", StringComparison.Ordinal) || WebAndDataFrameworks.Any(f => r.StartsWith(f, StringComparison.Ordinal)))
            .Select(r => $"{project.Name} (contracts) references {r}");
    }

    /// <summary>
    /// The order of Shared's projects (ADR 0033): each Shared project and the Shared projects it may reference. Contracts,
    /// Bus and Web stand alone; Modularity sits on the bus; Persistence and the Auth client on top.
    /// Persistence and Web never reference each other, and a Shared project missing here has no place yet.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> SharedOrder { get; } = new Dictionary<string, string[]>
    {
        ["GoMicro.Shared.Contracts"] = [],
        ["GoMicro.Shared.Bus"] = [],
        ["GoMicro.Shared.Web"] = [],
        ["GoMicro.Shared.Modularity"] = ["GoMicro.Shared.Bus"],
        ["GoMicro.Shared.Persistence"] = ["GoMicro.Shared.Bus", "GoMicro.Shared.Modularity"],
        ["GoMicro.Shared.AuthClient"] = ["GoMicro.Shared.Bus", "GoMicro.Shared.Contracts", "GoMicro.Shared.Web"],
    };

    /// <summary>The project-file side of <see cref="SharedOrder"/>: a Shared project has a row there and references only
    /// the Shared projects its row lists.</summary>
    public static IEnumerable<string> SharedProjectsKeepTheirOrder(ProjectFile project)
    {
        if (!project.Name.StartsWith(SharedPrefix, StringComparison.Ordinal)) return [];
        if (!SharedOrder.TryGetValue(project.Name, out var allowed))
            return [$"{project.Name} has no place in the order of Shared's projects (DependencyRules.SharedOrder, ADR 0033)"];
        return project.ProjectReferences
            .Where(r => r.StartsWith(SharedPrefix, StringComparison.Ordinal) && !allowed.Contains(r))
            .Select(r => $"{project.Name} references {r}, which the order of Shared's projects does not allow");
    }

    /// <summary>The Auth module's contracts inside Shared: only Contracts (which holds them) and the Auth client use them,
    /// so the rest of Shared stays neutral between modules. <paramref name="sharedTypes"/> are the types of every other
    /// Shared project.</summary>
    public static IReadOnlyList<string> OnlyTheAuthClientUsesAuthContracts(Types sharedTypes) =>
        Failing(sharedTypes.Should().NotHaveDependencyOn("GoMicro.Shared.Contracts.Auth").GetResult());

    /// <summary>
    /// Every GoMicro assembly that <paramref name="compiled"/> (the project's build) references is a direct project reference
    /// of <paramref name="project"/>: no project leans on a reference that arrives transitively. Read from the compiled
    /// references, so only what the code really uses counts (a constant the compiler inlined leaves no reference).
    /// </summary>
    public static IEnumerable<string> UsedAssembliesAreReferencedDirectly(ProjectFile project, Assembly compiled) =>
        compiled.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("GoMicro.", StringComparison.Ordinal) && n != project.Name && !project.ProjectReferences.Contains(n))
            .Order(StringComparer.Ordinal)
            .Select(n => $"{project.Name} uses {n} without referencing its project directly");

    private static IReadOnlyList<string> Failing(TestResult result) => result.IsSuccessful ? [] : [.. result.FailingTypeNames];
}
