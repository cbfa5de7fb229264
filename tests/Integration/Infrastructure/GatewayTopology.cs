using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// The load-balanced production shape with the gateway role in Kong's place: two auth and two blog instances over a
/// private nats-server, the shared Redis (under a key prefix of this fixture) and PostgreSQL, and one gateway in
/// front whose clusters list all four. <see cref="Topology.Auth"/> and <see cref="Topology.Blog"/> are clients of the
/// gateway. The first instance of each module runs in memory on Kestrel (<see cref="AuthHost"/>, <see cref="BlogHost"/>:
/// admin commands and services for the scenarios); the second is the built binary as a process of its own
/// (<see cref="Auth2"/>, <see cref="Blog2"/>), so tests can SIGKILL or SIGTERM it. The gateway runs in memory, so tests
/// can read which instances it has marked down.
/// </summary>
public sealed class GatewayTopology : Topology
{
    private readonly string _keyPrefix = $"test-{Guid.NewGuid():N}:";
    private readonly DestinationCounter _counter = new();
    private GoMicroHostFactory _auth = null!;
    private GoMicroHostFactory _blog = null!;

    /// <summary>This topology's private NATS server.</summary>
    public NatsServer Nats { get; private set; } = null!;

    /// <summary>The gateway in front of the four instances.</summary>
    public GoMicroHostFactory Gateway { get; private set; } = null!;

    /// <summary>The second auth instance, a process of its own.</summary>
    public HostProcess Auth2 { get; private set; } = null!;

    /// <summary>The second blog instance, a process of its own.</summary>
    public HostProcess Blog2 { get; private set; } = null!;

    /// <summary>Destination ids of the blog cluster: <c>blog1</c> (in memory), <c>blog2</c> (<see cref="Blog2"/>).</summary>
    public static readonly string[] BlogDestinations = ["blog1", "blog2"];

    /// <inheritdoc />
    public override int BlogInstances => BlogDestinations.Length;

    /// <inheritdoc />
    public override GoMicroHostFactory AuthHost => _auth;

    /// <inheritdoc />
    public override GoMicroHostFactory BlogHost => _blog;

    /// <inheritdoc />
    protected override async Task StartHostsAsync()
    {
        Nats = await NatsServer.StartAsync();
        try
        {
            // The in-memory instances first: they migrate and seed; the processes then find both done.
            _auth = await StartInMemoryAsync("auth");
            _blog = await StartInMemoryAsync("blog");
            var processes = await Task.WhenAll(HostProcess.StartAsync("auth2", ProcessSettings("auth")), HostProcess.StartAsync("blog2", ProcessSettings("blog")));
            (Auth2, Blog2) = (processes[0], processes[1]);

            var settings = GoMicroHostFactory.BaseSettings("gateway");
            settings["ReverseProxy:Clusters:auth:Destinations:auth1:Address"] = AddressOf(_auth);
            settings["ReverseProxy:Clusters:auth:Destinations:auth2:Address"] = Auth2.Address;
            settings["ReverseProxy:Clusters:blog:Destinations:blog1:Address"] = AddressOf(_blog);
            settings["ReverseProxy:Clusters:blog:Destinations:blog2:Address"] = Blog2.Address;
            Gateway = new GoMicroHostFactory(settings, services => services.AddSingleton<ITransformProvider>(_counter));
            await Gateway.StartAsync();
            await WaitUntilUpAsync("auth", "auth1", "auth2");
            await WaitUntilUpAsync("blog", BlogDestinations);
        }
        catch
        {
            // A fixture whose start fails is never disposed: leave no process behind.
            await StopHostsAsync();
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>The gateway answers a request without a key itself, with the reference's Kong plugin's text
    /// (kong/plugins/apikey-auth/spec/edge_cases.json).</remarks>
    public override string MissingApiKeyMessage => "x-api-key header is missing";

    /// <inheritdoc />
    /// <remarks>The gateway's route <c>auth-openapi</c> (appsettings.json), beside <c>/openapi/blog.json</c>, for its one Swagger UI.</remarks>
    public override string AuthOpenApiPath => "/openapi/auth.json";

    /// <inheritdoc />
    protected override HttpClient CreateClient(string module) => Gateway.CreateClient();

    /// <summary>How many answers each destination (<c>auth1</c>, <c>blog2</c>, ...) has sent back through the gateway so far.</summary>
    public IReadOnlyDictionary<string, int> ProxiedCounts() => new Dictionary<string, int>(_counter.Counts);

    /// <summary>The destinations of <paramref name="cluster"/> the gateway currently sends requests to.</summary>
    public IReadOnlyList<string> AvailableDestinations(string cluster)
    {
        Assert.True(Gateway.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster(cluster, out var state), $"the gateway has a cluster {cluster}");
        return state.DestinationsState.AvailableDestinations.Select(d => d.DestinationId).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Waits until the gateway sends requests to each of <paramref name="destinations"/> again (its active
    /// health check passed).</summary>
    public Task WaitUntilUpAsync(string cluster, params string[] destinations) =>
        Eventually.HoldsAsync(() => Task.FromResult(destinations.All(AvailableDestinations(cluster).Contains)), TimeSpan.FromSeconds(60),
            $"the gateway sends {cluster} requests to {string.Join(" and ", destinations)}");

    /// <inheritdoc />
    protected override async ValueTask StopHostsAsync()
    {
        // The gateway first, the NATS server last: every instance drains its bus connection on the way out.
        IAsyncDisposable?[] order = [Gateway, Blog2, Auth2, _blog, _auth, Nats];
        foreach (var host in order)
            if (host is not null) await host.DisposeAsync();
    }

    private async Task<GoMicroHostFactory> StartInMemoryAsync(string role)
    {
        var host = new GoMicroHostFactory(ModuleSettings(role));
        host.UseKestrel(0);
        await host.StartAsync();
        return host;
    }

    private Dictionary<string, string?> ProcessSettings(string role)
    {
        var settings = ModuleSettings(role);
        // Only the in-memory instances migrate, one at a time, before the processes start.
        settings["Database:MigrateOnStartup"] = "false";
        return settings;
    }

    private Dictionary<string, string?> ModuleSettings(string role) => ModuleSettingsOnNats(role, Nats.Url, _keyPrefix);

    private static string AddressOf(GoMicroHostFactory host) =>
        host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>Counts, in the gateway, each answer by the destination that sent it (a YARP response transform).</summary>
    private sealed class DestinationCounter : ITransformProvider
    {
        public ConcurrentDictionary<string, int> Counts { get; } = new();

        public void ValidateRoute(TransformRouteValidationContext context)
        {
        }

        public void ValidateCluster(TransformClusterValidationContext context)
        {
        }

        public void Apply(TransformBuilderContext context) => context.AddResponseTransform(transform =>
        {
            if (transform.HttpContext.GetReverseProxyFeature().ProxiedDestination is { } destination)
                Counts.AddOrUpdate(destination.DestinationId, 1, (_, n) => n + 1);
            return ValueTask.CompletedTask;
        });
    }
}
