namespace GoMicro.Architecture.Tests.Dependencies;

/// <summary>
/// The boundaries that keep the monolith splittable: each rule returns its violations (empty when the component obeys).
/// Modules are <c>GoMicro.Modules.{Module}</c> and may hold several projects (<c>GoMicro.Modules.{Module}.Contracts</c>);
/// another module's <c>.Contracts</c> project is the one thing a module may reference of another.
/// </summary>
public static class DependencyRules
{
    private const string ModulePrefix = "GoMicro.Modules.";
    private const string SharedPrefix = "GoMicro.Shared.";
    private const string Host = "GoMicro.Host";

    /// <summary>The module a component belongs to (<c>Blog</c> for <c>GoMicro.Modules.Blog.Contracts</c>), or null.</summary>
    public static string? ModuleOf(string assembly) =>
        assembly.StartsWith(ModulePrefix, StringComparison.Ordinal) ? assembly[ModulePrefix.Length..].Split('.')[0] : null;

    /// <summary>Shared code is below every module: it references no module and not the Host.</summary>
    public static IEnumerable<string> SharedReferencesNoModuleAndNoHost(Component component) =>
        !component.Name.StartsWith(SharedPrefix, StringComparison.Ordinal)
            ? []
            : component.Dependencies.Where(d => ModuleOf(d) is not null || d == Host)
                .Select(d => $"{component.Name} (shared) references {d}");

    /// <summary>A module references no other module (except its <c>.Contracts</c> project) and not the Host.</summary>
    public static IEnumerable<string> ModuleReferencesNoOtherModuleAndNoHost(Component component)
    {
        var module = ModuleOf(component.Name);
        if (module is null) return [];
        return component.Dependencies
            .Where(d => d == Host || (ModuleOf(d) is { } other && other != module && !d.EndsWith(".Contracts", StringComparison.Ordinal)))
            .Select(d => $"{component.Name} (module {module}) references {d}");
    }

    /// <summary>Contracts are plain records: no EF Core and no ASP.NET Core, so any process can speak them.</summary>
    public static IEnumerable<string> ContractsDependOnNeitherEfCoreNorAspNetCore(Component component) =>
        !component.Name.EndsWith(".Contracts", StringComparison.Ordinal)
            ? []
            : component.Dependencies
                .Where(d => d.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
                            || d.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
                            || d.StartsWith("Npgsql", StringComparison.Ordinal))
                .Select(d => $"{component.Name} (contracts) depends on {d}");

    /// <summary>No DbContext is public: a module's tables are reachable only through the module.</summary>
    public static IEnumerable<string> NoPublicDbContext(Component component) =>
        component.PublicTypes
            .Where(t => t.BaseTypes.Contains("Microsoft.EntityFrameworkCore.DbContext"))
            .Select(t => $"{t.Type} in {component.Name} is a public DbContext");
}
