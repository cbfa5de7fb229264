namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// The product split into services as the reference runs it: an auth-role process and a blog-role process, each with
/// only its own database, talking over NATS with the reference's subjects. Each fixture has its own nats-server on a
/// free port, so fixtures never meet and one can stop its server. Requests to <c>/auth</c> go to the auth process and
/// to <c>/blog</c> to the blog process, as Kong routes them.
/// </summary>
public class SplitTopology : Topology
{
    private GoMicroHostFactory _auth = null!;
    private GoMicroHostFactory _blog = null!;

    /// <summary>This topology's private NATS server.</summary>
    public NatsServer Nats { get; private set; } = null!;

    /// <inheritdoc />
    public override GoMicroHostFactory AuthHost => _auth;

    /// <inheritdoc />
    public override GoMicroHostFactory BlogHost => _blog;

    /// <summary>The <c>Bus:Nats:Url</c> the processes connect to: <see cref="Nats"/>'s, unless a topology runs its bus
    /// elsewhere (a cluster).</summary>
    protected virtual string BusUrl => Nats.Url;

    /// <summary>Extra settings for every process of this topology; applied over the defaults.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    /// <inheritdoc />
    protected override async Task StartHostsAsync()
    {
        Nats = await NatsServer.StartAsync();
        try
        {
            _auth = await StartServiceAsync("auth");
            _blog = await StartServiceAsync("blog");
        }
        catch
        {
            // A fixture whose start fails is never disposed: leave no process behind.
            if (_auth is not null) await _auth.DisposeAsync();
            await Nats.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more process of <paramref name="role"/> on this topology's databases and NATS server.</summary>
    public async Task<GoMicroHostFactory> StartServiceAsync(string role)
    {
        var settings = ModuleSettingsOnNats(role, BusUrl);
        Configure(settings);
        var host = new GoMicroHostFactory(settings);
        await host.StartAsync();
        // As an orchestrator does: no traffic until ready (database reachable, NATS connected and subjects subscribed).
        using var client = host.CreateClient();
        await Eventually.HoldsAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60),
            $"the {role} process is ready");
        return host;
    }

    /// <inheritdoc />
    protected override async ValueTask StopHostsAsync()
    {
        await _blog.DisposeAsync();
        await _auth.DisposeAsync();
        await Nats.DisposeAsync();
    }
}
