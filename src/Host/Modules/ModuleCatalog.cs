using GoMicro.Modules.Auth;
using GoMicro.Modules.Blog;
using GoMicro.Shared.Modularity;

namespace GoMicro.Host.Modules;

/// <summary>
/// The explicit list of modules and the role-to-modules table: the one place that says which process runs what.
/// The monolith runs every module in one process; each other role runs one module and reaches the rest over NATS, except the gateway, which runs none.
/// </summary>
public static class ModuleCatalog
{
    /// <summary>The default role, used when <c>GoMicro:Role</c> is not set.</summary>
    public const string MonolithRole = "monolith";

    /// <summary>Every module of the product.</summary>
    public static IReadOnlyList<IModule> All { get; } = [new AuthModule(), new BlogModule()];

    /// <summary>Role name → module names. Role names are case-insensitive.</summary>
    public static IReadOnlyDictionary<string, string[]> Roles { get; } = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        [MonolithRole] = ["auth", "blog"],
        ["auth"] = ["auth"],
        ["blog"] = ["blog"],
        // The edge in front of auth and blog instances (GoMicro.Host.Gateway): no module, no database, no bus.
        [Gateway.GatewayApplication.Role] = [],
    };

    /// <summary>The modules a role runs.</summary>
    /// <param name="role">A key of <see cref="Roles"/>.</param>
    /// <exception cref="StartupException">The role is unknown; the message lists the valid ones.</exception>
    public static IReadOnlyList<IModule> ForRole(string role)
    {
        if (!Roles.TryGetValue(role, out var names))
            throw new StartupException($"unknown role '{role}' (GoMicro:Role). Valid roles: {string.Join(", ", Roles.Keys)}.");
        return names.Select(name => All.Single(m => m.Name == name)).ToArray();
    }
}
