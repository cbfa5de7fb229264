using GoMicro.Host;
using GoMicro.Shared.Bus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>Which transport carries the module bus: <c>Bus:Transport</c> when set, otherwise the role's default.</summary>
public sealed class BusTransportSelectionTests
{
    [Theory]
    [InlineData("monolith", null, BusTransportKind.InProcess)]
    [InlineData("auth", null, BusTransportKind.Nats)]
    [InlineData("blog", "", BusTransportKind.Nats)]
    [InlineData("monolith", "Nats", BusTransportKind.Nats)]
    [InlineData("auth", "inprocess", BusTransportKind.InProcess)]
    public void The_transport_is_the_configured_one_or_the_roles_default(string role, string? configured, BusTransportKind expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Bus:Transport"] = configured }).Build();

        Assert.Equal(expected, GoMicroApplication.EffectiveTransport(role, configuration));
    }

    [Fact]
    public void An_unknown_transport_refuses_to_start_and_lists_the_valid_ones()
    {
        var error = Assert.Throws<StartupException>(() => GoMicroApplication.Build(["--role", "auth", "--Bus:Transport=Kafka"]));

        Assert.Contains("unknown Bus:Transport 'Kafka'", error.Message);
        Assert.Contains("InProcess, Nats", error.Message);
    }

    [Fact]
    public async Task A_blog_process_talks_over_nats_and_a_monolith_in_process()
    {
        await using var blog = GoMicroApplication.Build(["--role", "blog"]);
        await using var monolith = GoMicroApplication.Build(["--role", "monolith"]);

        Assert.Equal("NatsBusTransport", blog.Services.GetRequiredService<IBusTransport>().GetType().Name);
        Assert.Equal(BusTransportKind.Nats, blog.Services.GetRequiredService<IOptions<BusOptions>>().Value.Transport);
        Assert.IsType<InProcessBusTransport>(monolith.Services.GetRequiredService<IBusTransport>());
        Assert.Equal(BusTransportKind.InProcess, monolith.Services.GetRequiredService<IOptions<BusOptions>>().Value.Transport);
    }

    [Fact]
    public void A_blog_process_on_the_in_process_bus_names_the_unreachable_service_and_the_fix()
    {
        var error = Assert.Throws<StartupException>(() => GoMicroApplication.Build(["--role", "blog", "--Bus:Transport=InProcess"]));

        Assert.Contains("auth.profile.user", error.Message);
        Assert.Contains("Bus:Transport=Nats", error.Message);
        Assert.Contains("to reach the auth service over NATS", error.Message);
    }
}
