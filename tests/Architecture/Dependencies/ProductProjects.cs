using System.Reflection;
using System.Xml.Linq;
using GoMicro.Architecture.Tests.Deployment;
using NetArchTest.Rules;

namespace GoMicro.Architecture.Tests.Dependencies;

/// <summary>
/// A product project as the .csproj rules see it: its assembly name (<c>GoMicro.</c> + the project file name), its
/// SDK, and what the project file references.
/// </summary>
/// <param name="Name">Assembly name, e.g. <c>GoMicro.Modules.Blog</c>.</param>
/// <param name="Sdk">The project's SDK attribute, e.g. <c>Microsoft.NET.Sdk</c>.</param>
/// <param name="ProjectReferences">Assembly names of the referenced projects.</param>
/// <param name="PackageReferences">Ids of the referenced NuGet packages.</param>
/// <param name="FrameworkReferences">Names of the referenced shared frameworks, e.g. <c>Microsoft.AspNetCore.App</c>.</param>
public sealed record ProjectFile(
    string Name,
    string Sdk,
    IReadOnlyCollection<string> ProjectReferences,
    IReadOnlyCollection<string> PackageReferences,
    IReadOnlyCollection<string> FrameworkReferences)
{
    /// <summary>Parses a project file's XML; <paramref name="name"/> is its assembly name.</summary>
    public static ProjectFile Parse(string name, string projectXml)
    {
        var project = XDocument.Parse(projectXml);
        string[] Includes(string element) => project.Descendants(element).Select(e => e.Attribute("Include")!.Value).ToArray();
        return new ProjectFile(
            name,
            project.Root!.Attribute("Sdk")?.Value ?? "",
            Includes("ProjectReference").Select(p => "GoMicro." + Path.GetFileNameWithoutExtension(p.Replace('\\', '/'))).ToArray(),
            Includes("PackageReference"),
            Includes("FrameworkReference"));
    }
}

/// <summary>Every product project of the repository (src/**/*.csproj): its project file and its compiled types.</summary>
internal static class ProductProjects
{
    private static readonly Lazy<IReadOnlyList<(ProjectFile Project, Assembly Assembly)>> All = new(Load);

    /// <summary>The product's project files.</summary>
    public static IEnumerable<ProjectFile> Projects => All.Value.Select(p => p.Project);

    /// <summary>The product's project files, each with its compiled assembly.</summary>
    public static IEnumerable<(ProjectFile Project, Assembly Assembly)> Compiled => All.Value;

    /// <summary>Assembly names of the product's projects.</summary>
    public static IEnumerable<string> Names => Projects.Select(p => p.Name);

    /// <summary>The compiled types of the product projects whose assembly name satisfies <paramref name="select"/>.</summary>
    public static Types TypesOf(Func<string, bool> select)
    {
        var assemblies = All.Value.Where(p => select(p.Project.Name)).Select(p => p.Assembly).ToArray();
        if (assemblies.Length == 0) throw new InvalidOperationException("No product assembly matches: the rule would look at nothing.");
        return Types.InAssemblies(assemblies);
    }

    private static IReadOnlyList<(ProjectFile, Assembly)> Load() =>
        Directory.GetFiles(RepositoryFiles.Path("src"), "*.csproj", SearchOption.AllDirectories).Select(path =>
        {
            var name = "GoMicro." + Path.GetFileNameWithoutExtension(path);
            if (!File.Exists(Path.Combine(AppContext.BaseDirectory, name + ".dll")))
                throw new InvalidOperationException($"{path} is not referenced by the architecture tests: {name}.dll was not built next to them.");
            return (ProjectFile.Parse(name, File.ReadAllText(path)), Assembly.Load(name));
        }).ToArray();
}
