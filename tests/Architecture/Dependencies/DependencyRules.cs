using GoMicro.Shared.Web.Modularity;
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

    private static IReadOnlyList<string> Failing(TestResult result) => result.IsSuccessful ? [] : [.. result.FailingTypeNames];
}
