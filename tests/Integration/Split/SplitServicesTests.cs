using System.Net;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Modularity;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Split;

/// <summary>What the split services do over NATS besides the API: API keys checked across the bus, service discovery
/// as the NATS CLI sees it, readiness, and subjects a process serves itself staying in the process.</summary>
/// <remarks>Hedging is off (<see cref="UnhedgedSplitTopology"/>): the service stats count each request the auth process
/// received, and on a loaded machine a read slower than <c>Bus:HedgeDelay</c> would be counted once per hedged copy.</remarks>
public sealed class SplitServicesTests(UnhedgedSplitTopology topology) : IClassFixture<UnhedgedSplitTopology>
{
    private const string ProfileUser = AuthSubjects.ProfileUser;

    [Fact]
    public async Task The_blog_service_checks_api_keys_by_asking_the_auth_service_over_nats()
    {
        (await topology.Blog.GetEnvelopeAsync("/blog/no/such/route")).ShouldFail(HttpStatusCode.NotFound, "url not found");
        (await topology.Blog.SendAsync(HttpMethod.Get, "/blog/no/such/route", apiKey: "NOT-A-KEY"))
            .ShouldFail(HttpStatusCode.Forbidden, "permission denied: invalid x-api-key");
    }

    [Fact]
    public async Task Both_services_answer_the_nats_discovery_ping_with_their_name_version_and_instance_id()
    {
        using var nats = NatsProbe.Connect(topology.Nats.Url);

        var pings = await nats.CollectAsync("$SRV.PING", expected: 2);

        Assert.Equal(["auth", "blog"], pings.Select(p => p.GetProperty("name").GetString()).Order());
        foreach (var ping in pings)
        {
            Assert.Equal("io.nats.micro.v1.ping_response", ping.GetProperty("type").GetString());
            Assert.Matches(SemVer, ping.GetProperty("version").GetString()!);
            Assert.False(string.IsNullOrEmpty(ping.GetProperty("id").GetString()));
            Assert.Equal(JsonValueKind.Object, ping.GetProperty("metadata").ValueKind);
        }
    }

    [Fact]
    public async Task Discovery_answers_by_service_name_and_by_instance_id()
    {
        using var nats = NatsProbe.Connect(topology.Nats.Url);
        var auth = await nats.RequestAsync("$SRV.PING.auth");
        var id = auth.GetProperty("id").GetString()!;

        var byId = await nats.RequestAsync($"$SRV.INFO.auth.{id}");
        var blogInfo = await nats.RequestAsync("$SRV.INFO.blog");

        Assert.Equal("auth", auth.GetProperty("name").GetString());
        Assert.Equal(id, byId.GetProperty("id").GetString());
        Assert.Equal("io.nats.micro.v1.info_response", byId.GetProperty("type").GetString());
        Assert.Equal("blog", blogInfo.GetProperty("name").GetString());
        Assert.Empty(blogInfo.GetProperty("endpoints").EnumerateArray());
    }

    [Fact]
    public async Task Service_info_lists_every_auth_subject_by_the_reference_endpoint_names_in_the_default_queue_group()
    {
        using var nats = NatsProbe.Connect(topology.Nats.Url);

        var info = await nats.RequestAsync("$SRV.INFO.auth");

        Assert.Equal("GoMicro.NET auth service", info.GetProperty("description").GetString());
        var endpoints = info.GetProperty("endpoints").EnumerateArray()
            .ToDictionary(e => e.GetProperty("subject").GetString()!, e => (Name: e.GetProperty("name").GetString(), Queue: e.GetProperty("queue_group").GetString()));
        Assert.Equal(new Dictionary<string, (string?, string?)>
        {
            // The reference's names and the micro framework's default queue group, so instances of ours and of the
            // reference share the requests (api.md section 6); the last one is GoMicro.NET's own subject.
            [AuthSubjects.Authentication] = ("authentication", "q"),
            [AuthSubjects.Authorization] = ("authorization", "q"),
            [AuthSubjects.ProfileUser] = ("user", "q"),
            [AuthSubjects.ApiKeyVerify] = ("verify", "q"),
        }, endpoints);
    }

    [Fact]
    public async Task Service_stats_count_requests_errors_and_processing_time_per_endpoint()
    {
        using var nats = NatsProbe.Connect(topology.Nats.Url);
        var before = Endpoint(await nats.RequestAsync("$SRV.STATS.auth"), ProfileUser);
        var bus = topology.BlogHost.Services.GetRequiredService<IModuleBus>();

        await bus.RequestAsync<Text, User>(ProfileUser, new Text(DevelopmentSeed.AdminUserId.ToString()));
        await Assert.ThrowsAsync<BusErrorException>(() => bus.RequestAsync<Text, User>(ProfileUser, new Text(Guid.NewGuid().ToString())));

        var stats = await nats.RequestAsync("$SRV.STATS.auth");
        Assert.Equal("io.nats.micro.v1.stats_response", stats.GetProperty("type").GetString());
        Assert.True(stats.GetProperty("started").TryGetDateTimeOffset(out _));
        var after = Endpoint(stats, ProfileUser);
        Assert.Equal(before.GetProperty("num_requests").GetInt64() + 2, after.GetProperty("num_requests").GetInt64());
        Assert.Equal(before.GetProperty("num_errors").GetInt64() + 1, after.GetProperty("num_errors").GetInt64());
        Assert.Contains("user does not exists", after.GetProperty("last_error").GetString());
        Assert.Equal("q", after.GetProperty("queue_group").GetString());
        var total = after.GetProperty("processing_time").GetInt64();
        Assert.True(total > before.GetProperty("processing_time").GetInt64());
        Assert.Equal(total / after.GetProperty("num_requests").GetInt64(), after.GetProperty("average_processing_time").GetInt64());
    }

    [Fact]
    public async Task A_subject_the_process_serves_itself_is_answered_in_process_without_nats()
    {
        using var nats = NatsProbe.Connect(topology.Nats.Url);
        var before = Endpoint(await nats.RequestAsync("$SRV.STATS.auth"), ProfileUser).GetProperty("num_requests").GetInt64();

        var user = await topology.AuthHost.Services.GetRequiredService<IModuleBus>()
            .RequestAsync<Text, User>(ProfileUser, new Text(DevelopmentSeed.AdminUserId.ToString()));

        Assert.Equal(DevelopmentSeed.AdminEmail, user.Email);
        var after = Endpoint(await nats.RequestAsync("$SRV.STATS.auth"), ProfileUser).GetProperty("num_requests").GetInt64();
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Readiness_includes_the_nats_connection_on_both_services()
    {
        foreach (var client in new[] { topology.Auth, topology.Blog })
        {
            var response = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var nats = report.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "nats");
            Assert.Equal("Healthy", nats.GetProperty("status").GetString());
        }
    }

    private const string SemVer = @"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$";

    private static JsonElement Endpoint(JsonElement stats, string subject) =>
        stats.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("subject").GetString() == subject);
}
