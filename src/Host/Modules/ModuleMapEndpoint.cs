using GoMicro.Shared.AuthClient;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Modularity;
using GoMicro.Shared.Web.Envelope;

namespace GoMicro.Host.Modules;

/// <summary>
/// <c>GET /modules</c>: the running role, its modules, each module's routes, the bus subjects it serves and calls and the
/// events it publishes and consumes, as Grafana Loki's <c>/services</c> lists its modules. Read from the same
/// declarations the process runs on (<see cref="IModule"/>, the endpoint table, the handlers each module maps), never
/// from a list kept by hand; docs/modules.md is rendered from it (<see cref="ModuleMapMarkdown"/>).
/// </summary>
public static class ModuleMapEndpoint
{
    /// <summary>The route.</summary>
    public const string Path = "/modules";

    /// <summary><c>GoMicro:ModuleMap</c>: serve <see cref="Path"/>. Default true in Development and false elsewhere, where the
    /// map tells a caller more about the process than it needs.</summary>
    public const string EnabledKey = "GoMicro:ModuleMap";

    /// <summary>Maps <see cref="Path"/> when <see cref="EnabledKey"/> (or, unset, the Development environment) says so. Like
    /// every API route it takes an <c>x-api-key</c>.</summary>
    public static void MapModuleMap(this WebApplication app)
    {
        if (!app.Configuration.GetValue(EnabledKey, app.Environment.IsDevelopment())) return;
        app.MapGet(Path, (ActiveModules active, EndpointDataSource endpoints, IServiceProvider services, IConfiguration configuration) =>
                ApiResults.Success("success", Build(active, endpoints, services, configuration)))
            .WithTags("Modules")
            .Produces<ApiResponse<ModuleMap>>();
    }

    /// <summary>Builds the map of this process.</summary>
    /// <param name="active">The role and its modules.</param>
    /// <param name="endpoints">The process's endpoints; a module's routes are those under its route prefix.</param>
    /// <param name="services">The root services, for the Auth client's event subscriptions.</param>
    /// <param name="configuration">Decides which subjects the Auth client calls (<c>ApiKey:Mode</c>).</param>
    public static ModuleMap Build(ActiveModules active, EndpointDataSource endpoints, IServiceProvider services, IConfiguration configuration)
    {
        var routes = endpoints.Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(method => (Path: "/" + e.RoutePattern.RawText?.TrimStart('/'), Route: $"{method} /{e.RoutePattern.RawText?.TrimStart('/')}")))
            .ToArray();
        var modules = active.Modules.Select(module =>
        {
            var handlers = new SubjectRecorder();
            module.MapBusHandlers(handlers);
            var own = routes.Where(r => r.Path == module.RoutePrefix || r.Path.StartsWith(module.RoutePrefix + "/", StringComparison.Ordinal))
                .Select(r => r.Route);
            return new ModuleEntry(module.Name, module.RoutePrefix, Sorted(own),
                new BusTraffic(Sorted(handlers.Requests), Sorted(module.CalledSubjects), Sorted(module.PublishedEvents), Sorted(handlers.Events)));
        }).ToArray();

        var client = new SubjectRecorder();
        services.MapAuthEvents(client);
        return new ModuleMap(active.Role, modules,
            new BusTraffic([], Sorted(AuthClientSetup.CalledSubjects(configuration)), [], Sorted(client.Events)));
    }

    private static string[] Sorted(IEnumerable<string> values) => values.Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>Takes a module's handler declarations down as subject names only: nothing is served.</summary>
    private sealed class SubjectRecorder : IBusHandlerRegistry
    {
        public List<string> Requests { get; } = [];
        public List<string> Events { get; } = [];

        public void MapRequest<TRequest, TReply>(string subject, Func<TRequest, BusContext, Task<TReply>> handler) => Requests.Add(subject);

        public void MapEvent<TEvent>(string subject, Func<TEvent, BusContext, Task> handler) => Events.Add(subject);

        // Consumed once per service through the stream's durable consumer: still an event the module consumes.
        public void MapServiceEvent<TEvent>(string stream, string consumer, string subject, Func<TEvent, BusContext, Task> handler) =>
            Events.Add(subject);

        // Where the published events are stored, not a subject of its own: the map lists the events themselves.
        public void DeclareEventStream(string name, string subjects) { }
    }
}
