using System.Diagnostics;
using System.Net;
using GoMicro.Host.Web;
using GoMicro.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>
/// One request line per completed request at the level appsettings.Development.json gives the HTTP logging category, with
/// method, route template, status, duration and trace id and nothing secret; none at the production default (Warning);
/// and a 500 logged once, with its trace id.
/// </summary>
public sealed class RequestLogTests(RequestLogTests.DevelopmentLoggingMonolith monolith) : IClassFixture<RequestLogTests.DevelopmentLoggingMonolith>
{
    private const string BearerSecret = "secret-bearer-value-for-the-log-test";

    [Fact]
    public async Task With_the_development_level_each_request_logs_one_line_with_method_route_status_duration_and_trace_id()
    {
        var logs = LogCapture.AttachTo(monolith.BlogHost.Services);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var path = $"/blog/id/{ObjectId.GenerateNewId()}";

        var response = await monolith.Blog.SendAsync(HttpMethod.Get, path, accessToken: BearerSecret, headers: TraceParent(traceId));

        response.ShouldFail(HttpStatusCode.NotFound);
        var line = Assert.Single(logs.Entries, e => e.Category == RequestLogs.Category);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains("Method: GET", line.Message);
        Assert.Contains("Route: /blog/id/{id}", line.Message);
        Assert.Contains("StatusCode: 404", line.Message);
        Assert.Matches(@"Duration: \d+(\.\d+)?", line.Message);
        Assert.Contains($"TraceId: {traceId}", line.Message);
        Assert.DoesNotContain(path, line.Message);
        Assert.All(logs.Entries, e =>
        {
            Assert.DoesNotContain(BearerSecret, e.Message);
            Assert.DoesNotContain(TestEnvironment.ApiKey, e.Message);
        });
    }

    [Fact]
    public async Task Health_probes_write_no_request_line()
    {
        var logs = LogCapture.AttachTo(monolith.BlogHost.Services);
        Assert.Equal(HttpStatusCode.OK, (await monolith.Blog.GetAsync("/health/live")).StatusCode);
        // A second request after the probe: its line proves the capture was live when the probe passed.
        (await monolith.Blog.SendAsync(HttpMethod.Get, $"/blog/id/{ObjectId.GenerateNewId()}")).ShouldFail(HttpStatusCode.NotFound);
        Assert.Single(logs.Entries, e => e.Category == RequestLogs.Category);
    }

    [Fact]
    public async Task At_the_production_level_requests_write_no_line_and_a_500_writes_one_error_with_its_trace_id()
    {
        // The blog database is missing, so reading a blog fails with an unhandled exception (a 500). The gateway mode
        // leaves the API key to the gateway, so the failure involves no bus call whose handler would log it too.
        var settings = GoMicroHostFactory.BaseSettings("monolith");
        settings["ConnectionStrings:Blog"] = "Host=localhost;Port=5432;Database=gomicro_does_not_exist;Username=gomicro;Password=gomicro;Timeout=3";
        settings["Database:MigrateOnStartup"] = "false";
        settings["Database:Seed"] = "false";
        settings["ApiKey:Mode"] = "Gateway";
        await using var host = new GoMicroHostFactory(settings);
        using var client = host.CreateClient();
        var logs = LogCapture.AttachTo(host.Services);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();

        var response = await client.SendAsync(HttpMethod.Get, $"/blog/id/{ObjectId.GenerateNewId()}", accessToken: BearerSecret, headers: TraceParent(traceId));

        response.ShouldFail(HttpStatusCode.InternalServerError, "something went wrong");
        Assert.DoesNotContain(logs.Entries, e => e.Category == RequestLogs.Category);
        var error = Assert.Single(logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(traceId, error.Scopes.GetValueOrDefault("TraceId"));
        Assert.Contains(traceId, error.Message);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(TestEnvironment.ApiKey, StringComparison.Ordinal) || e.Message.Contains(BearerSecret, StringComparison.Ordinal));
    }

    private static Dictionary<string, string> TraceParent(string traceId) =>
        new() { ["traceparent"] = $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01" };

    /// <summary>The monolith with the request-log level that appsettings.Development.json sets (the tests' environment is
    /// "Testing", which reads only appsettings.json).</summary>
    public sealed class DevelopmentLoggingMonolith : MonolithTopology
    {
        private static readonly string LevelKey = $"Logging:LogLevel:{RequestLogs.Category}";

        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings) => settings[LevelKey] = DevelopmentLevel();

        private static string DevelopmentLevel()
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "src", "Host", "appsettings.Development.json"))) folder = folder.Parent;
            Assert.NotNull(folder);
            var development = new ConfigurationBuilder().AddJsonFile(Path.Combine(folder.FullName, "src", "Host", "appsettings.Development.json")).Build();
            var level = development[LevelKey] ?? "";
            Assert.Equal("Information", level);
            return level;
        }
    }
}
