using System.Diagnostics;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>
/// With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, a running monolith exports over OTLP as the standard <c>OTEL_*</c>
/// variables say (here http/protobuf, an extra header, short batch and metric intervals, a resource attribute), to a
/// real OTLP/HTTP receiver.
/// </summary>
public sealed class OtlpExportTests(OtlpExportTests.ExportingMonolith monolith) : IClassFixture<OtlpExportTests.ExportingMonolith>
{
    [Fact]
    public async Task A_request_s_spans_and_the_http_server_metric_arrive_with_the_configured_header_and_resource()
    {
        var traceId = ActivityTraceId.CreateRandom();
        (await monolith.Blog.SendAsync(HttpMethod.Get, "/blog/list/latest?page=1&limit=10",
            headers: new Dictionary<string, string> { ["traceparent"] = $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01" })).ShouldSucceed();

        var receiver = monolith.Receiver;
        // The batch processor may put the server span and the database spans in different exports.
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.ReceivedTrace(traceId, "gomicro-monolith", "GET /blog/list/latest")),
            TimeSpan.FromSeconds(20), "the request's server span was exported");
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.ReceivedTrace(traceId, "gomicro-monolith", "db.system")),
            TimeSpan.FromSeconds(20), "the request's PostgreSQL spans were exported");
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Received("metrics", "gomicro-monolith", "http.server.request.duration")),
            TimeSpan.FromSeconds(20), "http.server.request.duration was exported");
        Assert.All(receiver.Exports, e =>
        {
            Assert.Equal("application/x-protobuf", e.ContentType);
            Assert.Equal("otel-test", e.Headers.GetValueOrDefault("x-gomicro-test"));
        });
        Assert.True(receiver.Received("traces", "deployment.environment.name", "otlp-export-test"), "OTEL_RESOURCE_ATTRIBUTES reached the resource");
    }

    /// <summary>The monolith pointed at its own OTLP receiver.</summary>
    public sealed class ExportingMonolith : MonolithTopology
    {
        /// <summary>Where the monolith exports.</summary>
        public OtlpReceiver Receiver { get; private set; } = null!;

        /// <inheritdoc />
        protected override async Task StartHostsAsync()
        {
            Receiver = await OtlpReceiver.StartAsync();
            await base.StartHostsAsync();
        }

        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = Receiver.Endpoint;
            settings["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            settings["OTEL_EXPORTER_OTLP_HEADERS"] = "x-gomicro-test=otel-test";
            settings["OTEL_BSP_SCHEDULE_DELAY"] = "100";
            settings["OTEL_METRIC_EXPORT_INTERVAL"] = "300";
            settings["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=otlp-export-test";
        }

        /// <inheritdoc />
        protected override async ValueTask StopHostsAsync()
        {
            await base.StopHostsAsync();
            await Receiver.DisposeAsync();
        }
    }
}
