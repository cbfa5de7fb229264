using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// A running deployment of the product as tests see it: where <c>/auth</c> and <c>/blog</c> requests go, and the hosts
/// behind them. API scenario classes take a topology, so the same scenarios run against the monolith and against the
/// split services over NATS with no difference allowed.
/// </summary>
public abstract class Topology : IAsyncLifetime
{
    /// <summary>Serves <c>/auth/...</c>.</summary>
    public abstract GoMicroHostFactory AuthHost { get; }

    /// <summary>Serves <c>/blog/...</c> (the same host as <see cref="AuthHost"/> in the monolith).</summary>
    public abstract GoMicroHostFactory BlogHost { get; }

    /// <summary>Every host that runs the Blog module: <see cref="BlogHost"/>, and the other instances of a scaled-out
    /// topology.</summary>
    public virtual IReadOnlyList<GoMicroHostFactory> BlogHosts => [BlogHost];

    /// <summary>The Auth module's database.</summary>
    public TestDatabase AuthDatabase { get; private set; } = null!;

    /// <summary>The Blog module's database.</summary>
    public TestDatabase BlogDatabase { get; private set; } = null!;

    /// <summary>The 401 text for a request without an API key: the services' own (api.md section 1), unless a gateway
    /// that answers it itself stands in front.</summary>
    public virtual string MissingApiKeyMessage => "permission denied: missing x-api-key header";

    /// <summary>Where the Auth module's OpenAPI document is: the process's own <c>/openapi/v1.json</c>, unless a gateway
    /// serves both modules' documents under names of their own.</summary>
    public virtual string AuthOpenApiPath => "/openapi/v1.json";

    /// <summary>How many blog instances answer <see cref="Blog"/>'s requests (each counts rate limits on its own).</summary>
    public virtual int BlogInstances => 1;

    /// <summary>A client for <c>/auth</c> routes, without an API key.</summary>
    public HttpClient Auth { get; private set; } = null!;

    /// <summary>A client for <c>/blog</c> routes, without an API key.</summary>
    public HttpClient Blog { get; private set; } = null!;

    /// <summary>Starts the hosts; each subclass creates its own.</summary>
    protected abstract Task StartHostsAsync();

    /// <summary>Stops the hosts.</summary>
    protected abstract ValueTask StopHostsAsync();

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        AuthDatabase = await TestDatabase.CreateAsync("auth");
        BlogDatabase = await TestDatabase.CreateAsync("blog");
        await StartHostsAsync();
        Auth = CreateClient("auth");
        Blog = CreateClient("blog");
    }

    /// <summary>A client for the routes of <paramref name="module"/>: the module's host, unless a gateway stands in front.</summary>
    protected virtual HttpClient CreateClient(string module) => (module == "auth" ? AuthHost : BlogHost).CreateClient();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        Auth.Dispose();
        Blog.Dispose();
        await StopHostsAsync();
        await AuthDatabase.DisposeAsync();
        await BlogDatabase.DisposeAsync();
    }

    /// <summary>
    /// Settings for a single-module process of <paramref name="role"/> on this topology's databases and the NATS server at
    /// <paramref name="natsUrl"/>: only the role's own connection string (a module that needed the other's would fail to
    /// start), and with <paramref name="redisKeyPrefix"/> the shared test Redis under that prefix.
    /// </summary>
    protected Dictionary<string, string?> ModuleSettingsOnNats(string role, string natsUrl, string? redisKeyPrefix = null)
    {
        var settings = SettingsFor(role);
        settings[role == "auth" ? "ConnectionStrings:Blog" : "ConnectionStrings:Auth"] = "";
        settings["Bus:Transport"] = "Nats";
        settings["Bus:Nats:Url"] = natsUrl;
        if (redisKeyPrefix is not null)
        {
            settings["ConnectionStrings:Redis"] = TestEnvironment.Redis;
            settings["Cache:Redis:InstanceName"] = redisKeyPrefix;
        }
        return settings;
    }

    /// <summary>Settings for a host of <paramref name="role"/> on this topology's databases.</summary>
    protected Dictionary<string, string?> SettingsFor(string role)
    {
        var settings = GoMicroHostFactory.BaseSettings(role);
        settings["ConnectionStrings:Auth"] = AuthDatabase.ConnectionString;
        settings["ConnectionStrings:Blog"] = BlogDatabase.ConnectionString;
        return settings;
    }
}

/// <summary>Both modules in one process, bus in-process: how a developer runs it.</summary>
public class MonolithTopology : Topology
{
    private GoMicroHostFactory _host = null!;

    /// <inheritdoc />
    public override GoMicroHostFactory AuthHost => _host;

    /// <inheritdoc />
    public override GoMicroHostFactory BlogHost => _host;

    /// <summary>Extra settings for the monolith (e.g. a Redis connection); applied over the defaults.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    /// <summary>True to serve over real Kestrel on a loopback port instead of the in-memory test server, so Kestrel's
    /// own limits and parsing take part (request body size, URL and header limits, chunked bodies).</summary>
    protected virtual bool OnKestrel => false;

    /// <summary>Test-only services added to the monolith's own (none by default).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <inheritdoc />
    protected override async Task StartHostsAsync()
    {
        var settings = SettingsFor("monolith");
        Configure(settings);
        _host = new GoMicroHostFactory(settings, ConfigureServices);
        if (OnKestrel) _host.UseKestrel(0);
        await _host.StartAsync();
    }

    /// <inheritdoc />
    protected override ValueTask StopHostsAsync() => _host.DisposeAsync();
}
