namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// Three nats-server nodes with JetStream on loopback, on free ports: server names <c>n1</c>..<c>n3</c>, one cluster name
/// per instance of this class, each node routed to the two others and keeping its own JetStream store. A test can kill a
/// node and start it again on the same ports; clients get every node's URL (<see cref="Urls"/>).
/// </summary>
public sealed class NatsCluster : IAsyncDisposable
{
    private NatsCluster(IReadOnlyList<NatsServer> nodes) => Nodes = nodes;

    /// <summary>The three nodes.</summary>
    public IReadOnlyList<NatsServer> Nodes { get; }

    /// <summary>Every node's client URL, comma-separated, as <c>Bus:Nats:Url</c> takes it.</summary>
    public string Urls => string.Join(',', Nodes.Select(n => n.Url));

    /// <summary>Starts the three nodes and waits until JetStream has a meta leader (a stream can be created).</summary>
    public static async Task<NatsCluster> StartAsync()
    {
        var clientPorts = Enumerable.Range(0, 3).Select(_ => NatsServer.FreeLoopbackPort()).ToArray();
        var routePorts = Enumerable.Range(0, 3).Select(_ => NatsServer.FreeLoopbackPort()).ToArray();
        var name = $"gomicro-test-{Guid.NewGuid():N}"[..24];
        var nodes = new List<NatsServer>();
        try
        {
            for (var i = 0; i < 3; i++)
                nodes.Add(await NatsServer.StartNodeAsync(clientPorts[i], $"n{i + 1}", name, routePorts[i], routePorts.Where((_, j) => j != i)));
            var cluster = new NatsCluster(nodes);
            await cluster.WaitForJetStreamAsync();
            return cluster;
        }
        catch
        {
            foreach (var node in nodes) await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until JetStream answers account info through the cluster (a meta leader was elected).</summary>
    public async Task WaitForJetStreamAsync()
    {
        await using var client = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = Urls });
        var js = new NATS.Client.JetStream.NatsJSContext(client);
        await Eventually.HoldsAsync(async () =>
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await js.GetAccountInfoAsync(limit.Token);
            return true;
        }, TimeSpan.FromSeconds(30), "the NATS cluster elects a JetStream meta leader");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes) await node.DisposeAsync();
    }
}
