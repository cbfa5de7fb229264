using GoMicro.Host.Bus.Nats;
using GoMicro.Shared.Bus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GoMicro.BusRoundTrip;

/// <summary>
/// The split's bus: <see cref="IModuleBus"/> over the product's NATS transport, wired as GoMicro.Host wires it
/// (<c>AddModuleBus</c> + <c>AddNatsBusTransport</c>), with the responder and the caller as two hosts with their own
/// NATS connections, so every request goes caller → nats-server → responder → nats-server → caller. Both hosts live in
/// this process (one thread pool), unlike the split roles; the NATS hops are the same.
/// </summary>
internal sealed class NatsBus : IAsyncDisposable
{
    private readonly IHost _responder;
    private readonly IHost _caller;

    private NatsBus(IHost responder, IHost caller)
    {
        _responder = responder;
        _caller = caller;
        Bus = caller.Services.GetRequiredService<IModuleBus>();
    }

    public IModuleBus Bus { get; }

    public static async Task<NatsBus> StartAsync(string url)
    {
        var responder = Build(url, "bench-responder");
        responder.Services.GetRequiredService<BusHandlerRegistry>()
            .MapRequest<Ping, Ping>(Subjects.Echo, (ping, _) => Task.FromResult(ping));
        await responder.StartAsync();
        var caller = Build(url, "bench-caller");
        await caller.StartAsync();
        var bus = new NatsBus(responder, caller);
        // Start-up does not wait for NATS (requests fail fast until connected and served); the bench does.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await bus.Bus.RequestAsync<Ping, Ping>(Subjects.Echo, new Ping("ready?"));
                return bus;
            }
            catch (BusUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private static IHost Build(string url, string name)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:Transport"] = "Nats",
            ["Bus:Nats:Url"] = url,
        });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddModuleBus(builder.Configuration);
        builder.Services.AddNatsBusTransport(new NatsServiceIdentity(name, "1.0.0", "bench/BusRoundTrip"));
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        await _caller.StopAsync();
        await _responder.StopAsync();
        _caller.Dispose();
        _responder.Dispose();
    }
}
