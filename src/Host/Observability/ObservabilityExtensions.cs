using System.Reflection;
using NATS.Client.Core;
using NATS.Client.OpenTelemetry;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ZiggyCreatures.Caching.Fusion;

namespace GoMicro.Host.Observability;

/// <summary>
/// The one OpenTelemetry setup every role uses (in the spirit of .NET Aspire's service defaults): traces of ASP.NET Core,
/// outgoing HTTP, Npgsql and the NATS client; metrics of ASP.NET Core, Kestrel, HTTP client, runtime and Npgsql; logs
/// with their trace and span ids; all exported over OTLP.
/// </summary>
public static class ObservabilityExtensions
{
    private static int _natsFilterSet;

    /// <summary>The standard variable that switches export on (OpenTelemetry specification, "OTLP Exporter").</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Name of the module bus's ActivitySource and Meter (<c>GoMicro.Shared.Bus.BusTelemetry.Name</c>, which
    /// the Host does not reference directly).</summary>
    public const string BusTelemetryName = "GoMicro.Bus";

    /// <summary>The standard variable that overrides the service name.</summary>
    public const string ServiceNameKey = "OTEL_SERVICE_NAME";

    /// <summary>
    /// Registers OpenTelemetry when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set in configuration (environment variables
    /// included); otherwise registers nothing, so a process without a collector pays no per-request cost.
    /// The exporter honours the other <c>OTEL_*</c> variables (protocol, headers, batch delay, metric interval,
    /// resource attributes).
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration.</param>
    /// <param name="role">The process role (<c>monolith</c>, <c>auth</c>, <c>blog</c>); the default service name is
    /// <c>gomicro-&lt;role&gt;</c>.</param>
    /// <returns><see langword="true"/> when telemetry export was registered.</returns>
    public static bool AddObservability(this IServiceCollection services, IConfiguration configuration, string role)
    {
        if (string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey])) return false;
        services.AddOpenTelemetry()
            .ConfigureGoMicroTelemetry(configuration, role)
            .UseOtlpExporter();
        return true;
    }

    /// <summary>
    /// Adds the resource, sources, meters and instrumentations of <see cref="AddObservability"/> without any exporter
    /// (tests add an in-memory exporter to the same builder).
    /// </summary>
    /// <param name="builder">The OpenTelemetry builder from <c>services.AddOpenTelemetry()</c>.</param>
    /// <param name="configuration">Configuration; <c>OTEL_SERVICE_NAME</c> overrides the default service name.</param>
    /// <param name="role">The process role.</param>
    /// <returns>The same builder.</returns>
    public static IOpenTelemetryBuilder ConfigureGoMicroTelemetry(this IOpenTelemetryBuilder builder, IConfiguration configuration, string role)
    {
        var serviceName = configuration[ServiceNameKey] is { Length: > 0 } name ? name : $"gomicro-{role}";
        var version = Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        builder.ConfigureResource(r => r.AddService(serviceName, serviceVersion: version, autoGenerateServiceInstanceId: true));
        // NATS.Net's instrumentation options are process-wide: set the filter once, however many hosts a process builds.
        if (Interlocked.Exchange(ref _natsFilterSet, 1) == 0)
            // Readiness asks $SRV.INFO every few seconds; like the /health requests it is probing, not work worth a trace.
            NatsInstrumentationOptions.Default.FilterSubjects(include: null, exclude: ["$SRV.>"]);
        builder.WithTracing(t => t
            .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health"))
            .AddHttpClientInstrumentation()
            .AddNpgsql()
            .AddNatsClientInstrumentation());
        builder.WithTracing(AddCacheTracing);
        // The module bus's own spans and histograms (Shared.Bus's BusTelemetry), over NATS and in-process alike.
        builder.WithTracing(t => t.AddSource(BusTelemetryName));
        builder.WithMetrics(m => m.AddMeter(BusTelemetryName));
        builder.WithMetrics(m => m
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddRuntimeInstrumentation()
            .AddNpgsqlInstrumentation());
        // FusionCache's hit and miss counters, and GoMicro.Cache (the Auth client's CacheMetrics) for the process-local caches.
        builder.WithMetrics(m => m.AddMeter(FusionCacheDiagnostics.MeterName, "GoMicro.Cache"));
        builder.WithLogging();
        return builder;
    }

    /// <summary>FusionCache's own spans (one per cache operation, with <c>fusioncache.hit</c>) and a span per Redis command
    /// (OpenTelemetry.Instrumentation.StackExchangeRedis). The multiplexer connects lazily, so the Blog module's cache hands it to
    /// <see cref="OpenTelemetry.Instrumentation.StackExchangeRedis.StackExchangeRedisInstrumentation"/> once it exists.</summary>
    private static void AddCacheTracing(TracerProviderBuilder tracing) => tracing
        .AddSource(FusionCacheDiagnostics.ActivitySourceName)
        .AddRedisInstrumentation();
}
