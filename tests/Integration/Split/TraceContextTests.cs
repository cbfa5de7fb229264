using System.Diagnostics;
using System.Net;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Split;

/// <summary>One request followed across processes: the caller's W3C trace id travels in the bus envelope's
/// <c>traceparent</c>, so the blog process's logs and the auth process's logs for it carry the same <c>TraceId</c>
/// (the scope value the JSON console formatter writes).</summary>
public sealed class TraceContextTests(TraceContextTests.LoggingSplitTopology topology) : IClassFixture<TraceContextTests.LoggingSplitTopology>
{
    [Fact]
    public async Task Logs_of_both_processes_carry_the_trace_id_of_the_incoming_request()
    {
        var blogLogs = LogCapture.AttachTo(topology.BlogHost.Services);
        var authLogs = LogCapture.AttachTo(topology.AuthHost.Services);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();

        // An unknown key is never cached, so the blog process must ask auth.apikey.verify over NATS.
        var response = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/anything", apiKey: $"unknown-{traceId}",
            headers: new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01" });

        response.ShouldFail(HttpStatusCode.Forbidden, "permission denied: invalid x-api-key");
        Assert.Contains(blogLogs.WithTraceId(traceId), e => e.Category.StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal));
        await Eventually.HoldsAsync(
            () => Task.FromResult(authLogs.WithTraceId(traceId).Any(e => e.Message.StartsWith("Answered auth.apikey.verify over NATS", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(10), $"the auth process logged the request under trace id {traceId}");
    }

    /// <summary>The split services with request logs and the NATS transport's per-request logs switched on.</summary>
    public sealed class LoggingSplitTopology : SplitTopology
    {
        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information";
            settings["Logging:LogLevel:GoMicro.Host.Bus.Nats"] = "Debug";
        }
    }
}
