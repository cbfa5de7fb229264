namespace GoMicro.Shared.Modularity;

/// <summary>
/// What a running role is made of, as <c>GET /modules</c> answers it and docs/modules.md shows it: the role, each of its
/// modules with its routes and bus traffic, and the Auth client every role with modules runs. Lists are sorted
/// ordinally, so two maps of the same code compare equal.
/// </summary>
/// <param name="Role">The role name, lowercase (<c>monolith</c>, <c>auth</c>, <c>blog</c>).</param>
/// <param name="Modules">The role's modules, in catalog order.</param>
/// <param name="AuthClient">The bus traffic of the Auth client (API-key check, Bearer authentication and their caches),
/// which runs beside the modules whatever they are.</param>
public sealed record ModuleMap(string Role, IReadOnlyList<ModuleEntry> Modules, BusTraffic AuthClient);

/// <summary>One module in a <see cref="ModuleMap"/>.</summary>
/// <param name="Name">The module's name (<see cref="IModule.Name"/>).</param>
/// <param name="RoutePrefix">Its route prefix (<see cref="IModule.RoutePrefix"/>).</param>
/// <param name="Routes">Its HTTP endpoints, each <c>METHOD /path</c> (e.g. <c>POST /auth/signin</c>).</param>
/// <param name="Bus">What it serves, requests, publishes and consumes on the bus.</param>
public sealed record ModuleEntry(string Name, string RoutePrefix, IReadOnlyList<string> Routes, BusTraffic Bus);

/// <summary>Bus subjects a part of the process uses, by direction.</summary>
/// <param name="Serves">Request-reply subjects it answers.</param>
/// <param name="Calls">Request-reply subjects it requests.</param>
/// <param name="Publishes">Event subjects it publishes.</param>
/// <param name="Consumes">Event subjects it subscribes to.</param>
public sealed record BusTraffic(IReadOnlyList<string> Serves, IReadOnlyList<string> Calls, IReadOnlyList<string> Publishes, IReadOnlyList<string> Consumes);
