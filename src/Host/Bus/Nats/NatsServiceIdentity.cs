using System.Reflection;
using System.Text.RegularExpressions;

namespace GoMicro.Host.Bus.Nats;

/// <summary>How this process presents itself to NATS service discovery (<c>nats micro ls</c>).</summary>
/// <param name="Name">The service kind: the role (<c>auth</c>, <c>blog</c>, <c>monolith</c>). Letters, digits, <c>-</c> and <c>_</c> only.</param>
/// <param name="Version">A SemVer version, e.g. <c>1.0.0</c>.</param>
/// <param name="Description">One line for humans.</param>
public sealed partial record NatsServiceIdentity(string Name, string Version, string Description)
{
    /// <summary>The identity of role <paramref name="role"/>, versioned by <paramref name="assembly"/>'s informational
    /// version (<c>0.0.0</c> when it is not SemVer).</summary>
    public static NatsServiceIdentity ForRole(string role, Assembly assembly)
    {
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                      ?? assembly.GetName().Version?.ToString(3)
                      ?? "0.0.0";
        return new NatsServiceIdentity(role, SemVer().IsMatch(version) ? version : "0.0.0", $"GoMicro.NET {role} service");
    }

    /// <summary>The official SemVer 2.0 expression, as the micro protocol's schema requires.</summary>
    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")]
    internal static partial Regex SemVer();
}
