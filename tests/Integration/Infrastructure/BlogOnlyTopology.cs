namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// Only a blog-role process on a NATS server of its own: no auth instance of ours. Tests either leave the auth subjects
/// unserved (a peer that is down) or play the auth service themselves (the reference's, with its exact messages).
/// <see cref="AuthHost"/> is the blog host too, as nothing else runs. The seed is off: it would wait for an auth service.
/// </summary>
public class BlogOnlyTopology : Topology
{
    private GoMicroHostFactory _blog = null!;

    /// <summary>This topology's private NATS server.</summary>
    public NatsServer Nats { get; private set; } = null!;

    /// <inheritdoc />
    public override GoMicroHostFactory AuthHost => _blog;

    /// <inheritdoc />
    public override GoMicroHostFactory BlogHost => _blog;

    /// <summary>The bus request timeout: long, so that an answer that came by waiting for it could not pass for an
    /// immediate one.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Extra settings for the blog process; applied over the defaults.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    /// <inheritdoc />
    protected override async Task StartHostsAsync()
    {
        Nats = await NatsServer.StartAsync();
        try
        {
            var settings = SettingsFor("blog");
            settings["ConnectionStrings:Auth"] = "";
            settings["Bus:Transport"] = "Nats";
            settings["Bus:Nats:Url"] = Nats.Url;
            settings["Bus:RequestTimeout"] = RequestTimeout.ToString();
            settings["Database:Seed"] = "false";
            Configure(settings);
            _blog = new GoMicroHostFactory(settings);
            await _blog.StartAsync();
            using var client = _blog.CreateClient();
            await Eventually.HoldsAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60),
                "the blog process is ready (degraded: no auth service)");
        }
        catch
        {
            if (_blog is not null) await _blog.DisposeAsync();
            await Nats.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    protected override async ValueTask StopHostsAsync()
    {
        await _blog.DisposeAsync();
        await Nats.DisposeAsync();
    }
}
