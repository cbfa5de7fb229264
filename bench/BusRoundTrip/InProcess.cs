using GoMicro.Shared.Bus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GoMicro.BusRoundTrip;

/// <summary>The monolith's bus: <see cref="IModuleBus"/> over the in-process transport, wired by the product's own
/// <c>AddModuleBus</c>, so each call serialises the envelope, opens a DI scope for the handler and reads the reply.</summary>
internal sealed class InProcess : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public InProcess()
    {
        var configuration = new ConfigurationBuilder().Build();
        _services = new ServiceCollection()
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .AddModuleBus(configuration)
            .BuildServiceProvider();
        _services.GetRequiredService<BusHandlerRegistry>()
            .MapRequest<Ping, Ping>(Subjects.Echo, (ping, _) => Task.FromResult(ping));
        Bus = _services.GetRequiredService<IModuleBus>();
    }

    public IModuleBus Bus { get; }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>The subject every variant echoes on.</summary>
internal static class Subjects
{
    public const string Echo = "bench.echo";
}
