using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>
/// The module bus's spans and metrics in the monolith (in-process transport), read with the in-memory exporter: the
/// same names and attributes as over NATS (which scripts/test-telemetry.sh checks on real split processes), with
/// <c>messaging.system</c> = <c>in_process</c>, and failures tagged with <c>error.type</c>.
/// </summary>
public sealed class BusTelemetryTests(CacheTelemetryTests.TelemetryMonolith monolith) : IClassFixture<CacheTelemetryTests.TelemetryMonolith>
{
    private const string Verify = "auth.apikey.verify";

    [Fact]
    public async Task A_request_s_bus_call_is_a_send_span_under_the_server_span_and_a_process_span_under_it()
    {
        var traceId = ActivityTraceId.CreateRandom();
        // An unknown key is never cached before its first refusal, so the Blog side must ask auth.apikey.verify.
        (await monolith.Blog.SendAsync(HttpMethod.Get, "/blog/list/latest?page=1&limit=1", apiKey: $"unknown-{Guid.NewGuid():N}",
            headers: new Dictionary<string, string> { ["traceparent"] = $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01" }))
            .ShouldFail(HttpStatusCode.Forbidden);

        var spans = await SpansOfAsync(traceId, s => s.DisplayName == "process " + Verify);
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server);
        var send = Assert.Single(spans, s => s.DisplayName == "send " + Verify);
        var process = Assert.Single(spans, s => s.DisplayName == "process " + Verify);
        Assert.Equal(BusTelemetry.Name, send.Source.Name);
        Assert.Equal(ActivityKind.Client, send.Kind);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.True(IsUnder(send, server, spans), "the send span is under the server span");
        Assert.Equal(send.SpanId, process.ParentSpanId);
        foreach (var (span, type, name) in new[] { (send, "send", "request"), (process, "process", "process") })
        {
            Assert.Equal("in_process", span.GetTagItem("messaging.system"));
            Assert.Equal(Verify, span.GetTagItem("messaging.destination.name"));
            Assert.Equal(type, span.GetTagItem("messaging.operation.type"));
            Assert.Equal(name, span.GetTagItem("messaging.operation.name"));
            // A refused key is the handler's domain answer, not a failure of the exchange.
            Assert.Null(span.GetTagItem("error.type"));
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
        }
    }

    [Fact]
    public async Task A_subject_nobody_serves_is_a_failed_send_with_error_type_no_responders_in_the_span_and_the_metric()
    {
        var subject = $"test.nobody.{Guid.NewGuid():N}";
        var bus = monolith.BlogHost.Services.GetRequiredService<IModuleBus>();
        using var clientDuration = Collector(ClientDuration);
        using var source = new ActivitySource("GoMicro.Tests.Bus");
        ActivityTraceId traceId;
        using (var caller = TestListener.Start(source))
        {
            traceId = caller.TraceId;
            var failure = await Assert.ThrowsAsync<BusUnavailableException>(() => bus.RequestAsync<Text, User>(subject, new Text("x")));
            Assert.Equal(BusUnavailableReason.NoResponders, failure.Reason);
        }

        var send = Assert.Single(await SpansOfAsync(traceId, s => s.DisplayName == "send " + subject), s => s.DisplayName == "send " + subject);
        Assert.Equal("no_responders", send.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, send.Status);

        var failed = Assert.Single(Of(clientDuration, subject));
        Assert.Equal("no_responders", failed.Tags["error.type"]);
        Assert.Equal("in_process", failed.Tags["messaging.system"]);
        Assert.Equal("request", failed.Tags["messaging.operation.name"]);
        Assert.True(failed.Value > 0, "a duration in seconds was recorded");

        // The same point reaches the OpenTelemetry exporter (the subject is this test's own, so no other host adds to it).
        var exported = Assert.Single(ExportedPoints(ClientDuration, subject));
        Assert.Equal("no_responders", exported.Tags.GetValueOrDefault("error.type"));
        Assert.Equal(1, exported.Count);
    }

    [Fact]
    public async Task Both_duration_histograms_count_a_refused_key_as_a_successful_exchange()
    {
        // The collectors listen to this host's meter only (IMeterFactory), so other tests' hosts in this process, some
        // with a broken Auth database, cannot add to what is counted here.
        using var clientDuration = Collector(ClientDuration);
        using var processDuration = Collector(ProcessDuration);
        (await monolith.Blog.SendAsync(HttpMethod.Get, "/blog/list/latest?page=1&limit=1", apiKey: $"unknown-{Guid.NewGuid():N}"))
            .ShouldFail(HttpStatusCode.Forbidden);

        // The handler's measurement is recorded before its reply returns, the caller's right after: both are in by now.
        foreach (var (collector, operationType) in new[] { (clientDuration, "send"), (processDuration, "process") })
        {
            var point = Assert.Single(Of(collector, Verify));
            Assert.False(point.Tags.ContainsKey("error.type"), $"the {operationType} of a refusal carries no error.type");
            Assert.Equal(operationType, point.Tags["messaging.operation.type"]);
            Assert.Equal("in_process", point.Tags["messaging.system"]);
        }
    }

    private const string ClientDuration = "messaging.client.operation.duration";
    private const string ProcessDuration = "messaging.process.duration";

    /// <summary>Records <paramref name="instrument"/> of this host's bus meter from now on.</summary>
    private MetricCollector<double> Collector(string instrument) =>
        new(monolith.BlogHost.Services.GetRequiredService<IMeterFactory>(), BusTelemetry.Name, instrument);

    private static CollectedMeasurement<double>[] Of(MetricCollector<double> collector, string subject) =>
        collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags.GetValueOrDefault("messaging.destination.name"), subject)).ToArray();

    /// <summary>The exported spans of <paramref name="traceId"/>, once one matching <paramref name="last"/> is there
    /// (the batch processor exports a request's spans as they end).</summary>
    private async Task<Activity[]> SpansOfAsync(ActivityTraceId traceId, Func<Activity, bool> last)
    {
        var tracer = monolith.BlogHost.Services.GetRequiredService<TracerProvider>();
        Activity[] spans = [];
        await Eventually.HoldsAsync(() =>
        {
            tracer.ForceFlush();
            lock (monolith.Spans) spans = monolith.Spans.Where(s => s.TraceId == traceId).ToArray();
            return Task.FromResult(spans.Any(last));
        }, TimeSpan.FromSeconds(20), "the spans were exported");
        return spans;
    }

    private static bool IsUnder(Activity span, Activity ancestor, Activity[] trace)
    {
        for (var current = span; current is not null; current = trace.FirstOrDefault(s => s.SpanId == current.ParentSpanId))
            if (current.ParentSpanId == ancestor.SpanId) return true;
        return false;
    }

    /// <summary>The exported histogram points of <paramref name="metric"/> for <paramref name="subject"/> in a fresh
    /// cumulative snapshot.</summary>
    private List<(Dictionary<string, object?> Tags, long Count)> ExportedPoints(string metric, string subject)
    {
        var metrics = monolith.Metrics;
        lock (metrics) metrics.Clear();
        monolith.BlogHost.Services.GetRequiredService<MeterProvider>().ForceFlush();
        MetricSnapshot[] snapshot;
        lock (metrics) snapshot = metrics.ToArray();
        var points = new List<(Dictionary<string, object?>, long)>();
        foreach (var m in snapshot.Where(m => m.Name == metric).TakeLast(1))
            foreach (var point in m.MetricPoints)
            {
                var tags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags) tags[tag.Key] = tag.Value;
                if (Equals(tags.GetValueOrDefault("messaging.destination.name"), subject)) points.Add((tags, point.GetHistogramCount()));
            }
        return points;
    }

    /// <summary>A caller's own span, recorded, so the bus's send span has a trace to join.</summary>
    private sealed class TestListener : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly Activity _activity;

        private TestListener(ActivitySource source)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == source.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_listener);
            _activity = source.StartActivity("test caller")!;
        }

        public ActivityTraceId TraceId => _activity.TraceId;

        public static TestListener Start(ActivitySource source) => new(source);

        public void Dispose()
        {
            _activity.Dispose();
            _listener.Dispose();
        }
    }
}
