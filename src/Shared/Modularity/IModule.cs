using GoMicro.Shared.Bus;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GoMicro.Shared.Modularity;

/// <summary>
/// A module's entry point: the only public type of a module besides what it must expose to the Host. The Host holds
/// the explicit list of modules and picks them by role; nothing is discovered by scanning.
/// </summary>
public interface IModule
{
    /// <summary>Lowercase name, which is also its role name and its bus service name: <c>auth</c>, <c>blog</c>.</summary>
    string Name { get; }

    /// <summary>The route prefix every endpoint of the module lives under, e.g. <c>/auth</c>; the same in every role,
    /// so the gateway routes by it without stripping it.</summary>
    string RoutePrefix { get; }

    /// <summary>Bus subjects the module's own code requests (the shared authentication and API-key checks add theirs).
    /// At start-up the Host checks each is served locally or that the transport can reach other processes.</summary>
    IReadOnlyCollection<string> CalledSubjects { get; }

    /// <summary>Event subjects the module publishes on the bus (through its outbox), for the module map
    /// (<c>GET /modules</c>, docs/modules.md). Events it handles only inside its own process are not listed.</summary>
    IReadOnlyCollection<string> PublishedEvents { get; }

    /// <summary>Registers the module's services, options, database and health checks.</summary>
    void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment);

    /// <summary>Maps the module's HTTP endpoints under <see cref="RoutePrefix"/>.</summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints);

    /// <summary>Declares the bus subjects the module serves.</summary>
    void MapBusHandlers(IBusHandlerRegistry bus);
}
