using GoMicro.Shared.Modularity;

namespace GoMicro.Host.Modules;

/// <summary>What this process runs: its role and that role's modules.</summary>
/// <param name="Role">The role name, lowercase.</param>
/// <param name="Modules">The modules, in catalog order.</param>
public sealed record ActiveModules(string Role, IReadOnlyList<IModule> Modules);
