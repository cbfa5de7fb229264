using GoMicro.Host.Bus.Nats;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GoMicro.Integration.Tests.Bus;

/// <summary>The contract over the in-process transport: caller and handlers in one container.</summary>
public sealed class InProcessBusContract(InProcessBusFixture fixture) : BusContract(fixture), IClassFixture<InProcessBusFixture>;

/// <summary>The contract over NATS: the handlers in one "process", the caller in another, on the shared test server.</summary>
public sealed class NatsBusContract(NatsBusFixture fixture) : BusContract(fixture), IClassFixture<NatsBusFixture>;

/// <summary>One container with the module bus on the in-process transport.</summary>
public sealed class InProcessBusFixture : BusContractFixture
{
    private ServiceProvider _services = null!;

    /// <inheritdoc />
    public override bool Hedges => false;

    /// <inheritdoc />
    public override Task InitializeAsync()
    {
        _services = BusProcess.Create(BusSettings(), nats: null);
        MapHandlers(_services.GetRequiredService<IBusHandlerRegistry>());
        Bus = _services.GetRequiredService<IModuleBus>();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override async Task DisposeAsync() => await _services.DisposeAsync();
}

/// <summary>Two containers on NATS: a responder serving the contract subjects, and a caller serving nothing.</summary>
public sealed class NatsBusFixture : BusContractFixture
{
    private BusProcess _responder = null!;
    private BusProcess _caller = null!;

    /// <inheritdoc />
    public override async Task InitializeAsync()
    {
        _responder = await BusProcess.StartAsync(BusSettings(), TestEnvironment.Nats, Service, MapHandlers);
        _caller = await BusProcess.StartAsync(BusSettings(), TestEnvironment.Nats, "caller", _ => { });
        Bus = _caller.Bus;
    }

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await _caller.DisposeAsync();
        await _responder.DisposeAsync();
    }
}

/// <summary>
/// The bus part of a GoMicro.NET process without the web host: the module bus, optionally on NATS with its hosted
/// service started as the host would start it. For bus-level tests that need no HTTP.
/// </summary>
public sealed class BusProcess : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IHostedLifecycleService? _natsService;

    private BusProcess(ServiceProvider services)
    {
        _services = services;
        _natsService = services.GetServices<IHostedService>().OfType<IHostedLifecycleService>().SingleOrDefault();
    }

    /// <summary>The module bus of this process.</summary>
    public IModuleBus Bus => _services.GetRequiredService<IModuleBus>();

    /// <summary>This process's services.</summary>
    public IServiceProvider Services => _services;

    /// <summary>True while its NATS service takes requests.</summary>
    public bool IsServing => _services.GetRequiredService<NatsBusService>().IsServing;

    /// <summary>A container with the module bus; on NATS at <paramref name="nats"/> when given (not started).</summary>
    public static ServiceProvider Create(Dictionary<string, string?> settings, string? nats, string serviceName = "test")
    {
        if (nats is not null) settings["Bus:Nats:Url"] = nats;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddModuleBus(configuration);
        if (nats is not null) services.AddNatsBusTransport(new NatsServiceIdentity(serviceName, "1.0.0", "bus test process"));
        return services.BuildServiceProvider();
    }

    /// <summary>Creates the process, lets <paramref name="mapHandlers"/> fill its registry, then starts its NATS service.</summary>
    public static async Task<BusProcess> StartAsync(Dictionary<string, string?> settings, string nats, string serviceName, Action<IBusHandlerRegistry> mapHandlers)
    {
        var process = new BusProcess(Create(settings, nats, serviceName));
        mapHandlers(process._services.GetRequiredService<IBusHandlerRegistry>());
        await process._natsService!.StartAsync(CancellationToken.None);
        // Start-up does not wait for NATS (a process starts while the server is down); a test does.
        await Eventually.HoldsAsync(() => Task.FromResult(process.IsServing), TimeSpan.FromSeconds(60), $"{serviceName} subscribed on NATS");
        return process;
    }

    /// <summary>Stops as the host would: stop taking requests, drain (at most the host's default 30 s), close.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_natsService is not null)
        {
            using var shutdown = new CancellationTokenSource(new Microsoft.Extensions.Hosting.HostOptions().ShutdownTimeout);
            await _natsService.StoppingAsync(shutdown.Token);
            await _natsService.StopAsync(shutdown.Token);
        }
        await _services.DisposeAsync();
    }
}
