using GoMicro.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>OpenTelemetry (traces, metrics, logs) is registered only when an OTLP endpoint is configured, with the role's
/// service name.</summary>
public sealed class ObservabilityTests
{
    [Fact]
    public async Task Without_an_otlp_endpoint_no_tracer_or_meter_provider_is_registered()
    {
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")),
            "this test needs OTEL_EXPORTER_OTLP_ENDPOINT unset in the test process");
        await using var app = GoMicroApplication.Build(["--role", "monolith"]);
        Assert.Null(app.Services.GetService<TracerProvider>());
        Assert.Null(app.Services.GetService<MeterProvider>());
        Assert.DoesNotContain(app.Services.GetServices<ILoggerProvider>(), IsOpenTelemetry);
    }

    [Fact]
    public async Task With_an_otlp_endpoint_the_providers_carry_the_role_s_service_name_version_and_instance_id()
    {
        await using var app = GoMicroApplication.Build(["--role", "monolith", "--OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1"]);
        var tracer = app.Services.GetRequiredService<TracerProvider>();
        Assert.NotNull(app.Services.GetService<MeterProvider>());
        Assert.Contains(app.Services.GetServices<ILoggerProvider>(), IsOpenTelemetry);
        var attributes = tracer.GetResource().Attributes.ToDictionary(a => a.Key, a => a.Value);
        Assert.Equal("gomicro-monolith", attributes["service.name"]);
        Assert.False(string.IsNullOrEmpty(attributes["service.version"] as string));
        Assert.False(string.IsNullOrEmpty(attributes["service.instance.id"] as string));
    }

    [Fact]
    public async Task Otel_service_name_overrides_the_default_name()
    {
        await using var app = GoMicroApplication.Build(["--role", "monolith", "--OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1", "--OTEL_SERVICE_NAME=blog-eu-1"]);
        var attributes = app.Services.GetRequiredService<TracerProvider>().GetResource().Attributes.ToDictionary(a => a.Key, a => a.Value);
        Assert.Equal("blog-eu-1", attributes["service.name"]);
    }

    private static bool IsOpenTelemetry(ILoggerProvider provider) =>
        provider.GetType().Namespace?.StartsWith("OpenTelemetry", StringComparison.Ordinal) == true;
}
