using System.Reflection;
using System.Text.RegularExpressions;
using GoMicro.Architecture.Tests.Deployment;

namespace GoMicro.Architecture.Tests.Documentation;

/// <summary>
/// docs/adding-a-module.md names types, members and files a newcomer will look for; each must exist, or the guide sends
/// them nowhere. Names are read from the guide's backticks: a path (<c>src/...</c>) must exist once its placeholder
/// (<c>&lt;Name&gt;</c>) and what follows it in its folder are left out, a <c>Type</c> or <c>Type.Member</c> must be a GoMicro type with that member, and a
/// lone method name must be a public method of some GoMicro type.
/// </summary>
public sealed partial class AddingAModuleGuideTests
{
    private const string Guide = "docs/adding-a-module.md";

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)?$")]
    private static partial Regex CodeName();

    private static readonly Type[] GoMicroTypes = LoadGoMicroTypes();

    private static Type[] LoadGoMicroTypes()
    {
        var names = Directory.GetFiles(AppContext.BaseDirectory, "GoMicro.*.dll").Select(AssemblyName.GetAssemblyName);
        return names.Select(Assembly.Load).SelectMany(a => a.GetTypes()).ToArray();
    }

    /// <summary>The violations of <paramref name="markdown"/>: names and paths it gives that do not exist.</summary>
    public static IReadOnlyList<string> Unresolved(string markdown, Func<string, bool> pathExists, IReadOnlyCollection<Type> types)
    {
        var missing = new List<string>();
        foreach (var token in Backticked().Matches(markdown).Select(m => m.Groups[1].Value).Distinct())
        {
            if (token.StartsWith("src/", StringComparison.Ordinal) || token.StartsWith("docs/", StringComparison.Ordinal)
                || token.StartsWith("tests/", StringComparison.Ordinal))
            {
                // A template (src/Modules.<Name>/...) is checked up to the folder that holds the placeholder.
                var fixedPart = token.Contains('<') ? token[..token[..token.IndexOf('<')].LastIndexOf('/')] : token.TrimEnd('/');
                if (!pathExists(fixedPart)) missing.Add($"path {token}");
            }
            else if (CodeName().IsMatch(token) && !Resolves(token, types))
            {
                missing.Add($"name {token}");
            }
        }
        return missing;
    }

    private static bool Resolves(string token, IReadOnlyCollection<Type> types)
    {
        var parts = token.Split('.');
        var named = types.Where(t => t.Name == parts[0] || t.Name.StartsWith(parts[0] + "`", StringComparison.Ordinal)).ToArray();
        if (parts.Length == 2) return named.Any(t => t.GetMember(parts[1], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Length > 0);
        return named.Length > 0 || types.Any(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static).Any(m => m.Name == token));
    }

    private static bool PathExists(string relative) =>
        File.Exists(RepositoryFiles.Path(relative)) || Directory.Exists(RepositoryFiles.Path(relative));

    [Fact]
    public void Every_name_and_path_the_guide_gives_exists()
    {
        var missing = Unresolved(RepositoryFiles.ReadText(Guide), PathExists, GoMicroTypes);
        Assert.True(missing.Count == 0, $"{Guide} names what the code does not have: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_guide_is_checked_at_all()
    {
        // Guards against a check that looks at nothing: the guide names the entry point and the catalog.
        var text = RepositoryFiles.ReadText(Guide);
        Assert.Contains("`IModule.MapBusHandlers`", text);
        Assert.Contains("`src/Host/Modules/ModuleCatalog.cs`", text);
    }

    [Fact]
    public void A_renamed_member_a_missing_type_and_a_missing_file_are_reported()
    {
        // The canary: the same check on a guide that has fallen behind the code.
        var stale = "Use `IModule.Routes`, `ModuleRegistry` and `src/Host/Modules/ModuleList.cs`; `IModule.Name` is fine.";
        Assert.Equal(["name IModule.Routes", "name ModuleRegistry", "path src/Host/Modules/ModuleList.cs"],
            Unresolved(stale, PathExists, GoMicroTypes));
    }
}
