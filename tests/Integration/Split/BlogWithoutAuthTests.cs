using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GoMicro.Integration.Tests.Split;

/// <summary>The blog role while no auth instance runs: requests that need the auth service fail at once with 503 from
/// the NATS server's no-responders status (not after the request timeout), and readiness says degraded, not down.</summary>
public sealed class BlogWithoutAuthTests(BlogOnlyTopology topology, ITestOutputHelper output) : IClassFixture<BlogOnlyTopology>
{
    [Fact]
    public async Task A_request_that_needs_the_auth_service_answers_503_naming_it_from_no_responders()
    {
        var watch = Stopwatch.StartNew();
        var response = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/author/drafts?page=1&limit=10", accessToken: "any", apiKey: "any-key");
        output.WriteLine($"503 after {watch.Elapsed.TotalMilliseconds:0.0} ms (bus request timeout {BlogOnlyTopology.RequestTimeout})");

        response.ShouldFail(HttpStatusCode.ServiceUnavailable, $"auth service unavailable: no instance serves {AuthSubjects.ApiKeyVerify}");
        // Why: the server's no-responders status, not a timeout (which would take the 30 s request timeout).
        var bus = topology.BlogHost.Services.GetRequiredService<IModuleBus>();
        var unavailable = await Assert.ThrowsAsync<BusUnavailableException>(() =>
            bus.RequestAsync<Text, User>(AuthSubjects.Authentication, new Text("Bearer any")));
        Assert.Equal(BusUnavailableReason.NoResponders, unavailable.Reason);
        Assert.Equal("auth", unavailable.Service);
    }

    [Fact]
    public async Task Readiness_is_degraded_but_ready_while_a_called_service_has_no_instance()
    {
        var response = await topology.Blog.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var nats = report.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "nats");
        Assert.Equal("Degraded", nats.GetProperty("status").GetString());
        Assert.DoesNotContain(topology.Nats.Url, report.RootElement.GetRawText());
    }
}
