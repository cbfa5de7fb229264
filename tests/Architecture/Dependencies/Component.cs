using System.Xml.Linq;
using GoMicro.Architecture.Tests.Deployment;
using Mono.Cecil;

namespace GoMicro.Architecture.Tests.Dependencies;

/// <summary>
/// A product project as the rules see it: its assembly name and what it depends on, read from the compiled IL
/// (assembly and type references, types with their base classes) and from its .csproj (project references). Checking
/// both catches a dependency the compiler optimised away as well as one that is only in IL.
/// </summary>
/// <param name="Name">Assembly name, e.g. <c>GoMicro.Modules.Blog</c>.</param>
/// <param name="AssemblyReferences">Names of referenced assemblies.</param>
/// <param name="ProjectReferences">Assembly names of referenced projects (GoMicro.{project file name}).</param>
/// <param name="ReferencedTypeScopes">Assembly names every referenced type comes from.</param>
/// <param name="PublicTypes">Public (or publicly nested) types with their base-class chain, most derived first.</param>
public sealed record Component(
    string Name,
    IReadOnlyCollection<string> AssemblyReferences,
    IReadOnlyCollection<string> ProjectReferences,
    IReadOnlyCollection<string> ReferencedTypeScopes,
    IReadOnlyCollection<(string Type, IReadOnlyList<string> BaseTypes)> PublicTypes)
{
    /// <summary>Everything this component depends on, by assembly name.</summary>
    public IEnumerable<string> Dependencies => AssemblyReferences.Concat(ProjectReferences).Concat(ReferencedTypeScopes).Distinct();

    /// <summary>Reads a compiled assembly and, when it has one, its project file.</summary>
    public static Component Load(string assemblyPath, string? projectPath)
    {
        using var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(assemblyPath)!);
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath, new ReaderParameters { AssemblyResolver = resolver });
        var module = assembly.MainModule;
        return new Component(
            assembly.Name.Name,
            module.AssemblyReferences.Select(r => r.Name).ToArray(),
            projectPath is null ? [] : ReadProjectReferences(File.ReadAllText(projectPath)),
            module.GetTypeReferences().Select(t => t.Scope.Name).Distinct().ToArray(),
            module.Types.SelectMany(Nested).Where(IsPublic).Select(t => (t.FullName, (IReadOnlyList<string>)BaseChain(t))).ToArray());
    }

    /// <summary>Assembly names of the projects a .csproj references (<c>GoMicro.</c> + the file name).</summary>
    public static IReadOnlyCollection<string> ReadProjectReferences(string projectXml) =>
        XDocument.Parse(projectXml).Descendants("ProjectReference")
            .Select(e => "GoMicro." + Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToArray();

    /// <summary>Every product project of the repository: src/**/*.csproj with its built assembly next to the tests.</summary>
    public static IReadOnlyList<Component> LoadProduct()
    {
        var projects = Directory.GetFiles(RepositoryFiles.Path("src"), "*.csproj", SearchOption.AllDirectories);
        return projects.Select(project =>
        {
            var assembly = Path.Combine(AppContext.BaseDirectory, "GoMicro." + Path.GetFileNameWithoutExtension(project) + ".dll");
            if (!File.Exists(assembly)) throw new InvalidOperationException($"{project} is not referenced by the architecture tests: {assembly} was not built next to them.");
            return Load(assembly, project);
        }).ToArray();
    }

    private static IEnumerable<TypeDefinition> Nested(TypeDefinition type) => type.NestedTypes.SelectMany(Nested).Prepend(type);

    private static bool IsPublic(TypeDefinition type) =>
        type.IsPublic || (type.IsNestedPublic && IsPublic(type.DeclaringType));

    private static List<string> BaseChain(TypeDefinition type)
    {
        var chain = new List<string>();
        for (var baseType = type.BaseType; baseType is not null; )
        {
            chain.Add(baseType.FullName);
            TypeDefinition? resolved;
            try { resolved = baseType.Resolve(); }
            catch (AssemblyResolutionException) { break; }
            baseType = resolved?.BaseType;
        }
        return chain;
    }
}
