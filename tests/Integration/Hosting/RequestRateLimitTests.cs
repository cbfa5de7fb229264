using System.Net;
using GoMicro.Host.Web;
using GoMicro.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>
/// The per-address limit on sign-up, sign-in and refresh (RateLimiting:AuthRequestsPerAddress, 3 per 10 minutes here),
/// with the client address taken from X-Forwarded-For only because loopback, where the test client connects from, is
/// configured as a trusted proxy (ForwardedHeaders:TrustedProxies). Real Kestrel, so the server sees a real peer address.
/// </summary>
public sealed class PerAddressLimitBehindTrustedProxyTests(PerAddressLimitBehindTrustedProxyTests.Topology topology)
    : IClassFixture<PerAddressLimitBehindTrustedProxyTests.Topology>
{
    /// <summary>The monolith on Kestrel trusting loopback as its proxy, 3 auth requests per address per 10 minutes.</summary>
    public sealed class Topology : MonolithTopology
    {
        /// <inheritdoc />
        protected override bool OnKestrel => true;

        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings["ForwardedHeaders:TrustedProxies"] = "127.0.0.1, ::1";
            settings["RateLimiting:AuthRequestsPerAddress:PermitLimit"] = "3";
            settings["RateLimiting:AuthRequestsPerAddress:Window"] = "00:10:00";
        }
    }

    [Fact]
    public async Task Sign_up_sign_in_and_refresh_share_the_limit_of_one_client_and_other_clients_keep_theirs()
    {
        const string client = "203.0.113.7";
        var email = $"user-{Guid.NewGuid():N}@example.com";
        var signUp = (await SendAsync(client, "/auth/signup/basic", new { email, password = "secret-password", name = "Rate Limited" })).ShouldSucceed();
        var tokens = signUp.Data.GetProperty("tokens");
        (await SendAsync(client, "/auth/token/refresh", new { refreshToken = tokens.GetProperty("refreshToken").GetString() },
            tokens.GetProperty("accessToken").GetString())).ShouldSucceed();
        (await SendAsync(client, "/auth/signin/basic", new { email, password = "secret-password" })).ShouldSucceed();

        var limited = (await SendAsync(client, "/auth/signin/basic", new { email, password = "secret-password" }))
            .ShouldFail(HttpStatusCode.TooManyRequests, "too many requests");
        Assert.Equal(TimeSpan.FromMinutes(10), limited.RetryAfter);

        // Another client behind the same proxy: its own count. The limited client's other routes: not limited.
        (await SendAsync("203.0.113.8", "/auth/signin/basic", new { email, password = "secret-password" })).ShouldSucceed();
        (await topology.Blog.SendAsync(HttpMethod.Get, "/blog/list/latest?page=1&limit=1", headers: Forwarded(client))).ShouldSucceed();
    }

    [Fact]
    public async Task Addresses_a_client_puts_before_the_proxys_own_entry_are_ignored()
    {
        // The trusted proxy appends the address it saw; what the client sent before that is the client's to choose.
        for (var i = 1; i <= 3; i++)
            (await SendAsync($"198.51.100.{i}, 203.0.113.9", "/auth/signin/basic", UnknownAccount())).ShouldFail(HttpStatusCode.NotFound);
        (await SendAsync("198.51.100.4, 203.0.113.9", "/auth/signin/basic", UnknownAccount())).ShouldFail(HttpStatusCode.TooManyRequests, "too many requests");
    }

    [Fact]
    public async Task An_ipv6_client_is_counted_per_64_block()
    {
        foreach (var address in new[] { "2001:db8:0:7::1", "2001:db8:0:7::2", "2001:db8:0:7:ffff:ffff:ffff:ffff" })
            (await SendAsync(address, "/auth/signin/basic", UnknownAccount())).ShouldFail(HttpStatusCode.NotFound);
        (await SendAsync("2001:db8:0:7::3", "/auth/signin/basic", UnknownAccount())).ShouldFail(HttpStatusCode.TooManyRequests, "too many requests");
        (await SendAsync("2001:db8:0:8::1", "/auth/signin/basic", UnknownAccount())).ShouldFail(HttpStatusCode.NotFound);
    }

    private static object UnknownAccount() => new { email = $"nobody-{Guid.NewGuid():N}@example.com", password = "secret-password" };

    private static Dictionary<string, string> Forwarded(string forwardedFor) => new() { ["X-Forwarded-For"] = forwardedFor };

    private Task<Envelope> SendAsync(string forwardedFor, string path, object body, string? accessToken = null) =>
        topology.Auth.SendAsync(HttpMethod.Post, path, body, accessToken, headers: Forwarded(forwardedFor));
}

/// <summary>Without trusted proxies (the default) X-Forwarded-For is ignored: a client cannot pick the address it is
/// counted under, so changing the header on every request does not escape the per-address limit.</summary>
public sealed class PerAddressLimitWithoutTrustedProxyTests(PerAddressLimitWithoutTrustedProxyTests.Topology topology)
    : IClassFixture<PerAddressLimitWithoutTrustedProxyTests.Topology>
{
    /// <summary>The monolith on Kestrel trusting no proxy, 3 auth requests per address per 10 minutes.</summary>
    public sealed class Topology : MonolithTopology
    {
        /// <inheritdoc />
        protected override bool OnKestrel => true;

        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings["RateLimiting:AuthRequestsPerAddress:PermitLimit"] = "3";
            settings["RateLimiting:AuthRequestsPerAddress:Window"] = "00:10:00";
        }
    }

    [Fact]
    public async Task A_forged_forwarded_for_header_does_not_escape_the_limit()
    {
        var answers = new List<Envelope>();
        for (var i = 1; i <= 4; i++)
            answers.Add(await topology.Auth.SendAsync(HttpMethod.Post, "/auth/signin/basic",
                new { email = $"nobody-{Guid.NewGuid():N}@example.com", password = "secret-password" },
                headers: new Dictionary<string, string> { ["X-Forwarded-For"] = $"198.51.100.{i}" }));

        Assert.All(answers.Take(3), a => a.ShouldFail(HttpStatusCode.NotFound));
        answers[3].ShouldFail(HttpStatusCode.TooManyRequests, "too many requests");
        Assert.Equal(TimeSpan.FromMinutes(10), answers[3].RetryAfter);
    }
}

/// <summary>The overall limit per API key (RateLimiting:RequestsPerApiKey, 5 per 10 minutes here): counted per key, on
/// every route that takes one; unknown keys are refused (403) before any count, and keyless routes are not counted.</summary>
public sealed class PerApiKeyLimitTests(PerApiKeyLimitTests.Topology topology) : IClassFixture<PerApiKeyLimitTests.Topology>
{
    /// <summary>The monolith with 5 requests per API key per 10 minutes.</summary>
    public sealed class Topology : MonolithTopology
    {
        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings["RateLimiting:RequestsPerApiKey:PermitLimit"] = "5";
            settings["RateLimiting:RequestsPerApiKey:Window"] = "00:10:00";
        }
    }

    [Fact]
    public async Task A_key_over_its_limit_gets_429_while_other_keys_and_keyless_routes_are_served()
    {
        var key = await CreateKeyAsync();
        var other = await CreateKeyAsync();
        for (var i = 0; i < 5; i++) (await ListAsync(key)).ShouldSucceed();

        var limited = (await ListAsync(key)).ShouldFail(HttpStatusCode.TooManyRequests, "too many requests");
        Assert.Equal(TimeSpan.FromMinutes(10), limited.RetryAfter);
        // Any route that takes the key, Auth's too.
        (await topology.Auth.SendAsync(HttpMethod.Post, "/auth/signin/basic", new { email = "nobody@example.com", password = "secret-password" }, apiKey: key))
            .ShouldFail(HttpStatusCode.TooManyRequests, "too many requests");

        (await ListAsync(other)).ShouldSucceed();
        (await topology.Auth.GetAsync("/health/ready")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Unknown_keys_are_refused_as_such_however_often_they_come()
    {
        const string unknown = "not-a-key-that-exists";
        for (var i = 0; i < 8; i++) (await ListAsync(unknown)).ShouldFail(HttpStatusCode.Forbidden, "permission denied: invalid x-api-key");
    }

    private Task<Envelope> ListAsync(string apiKey) =>
        topology.Blog.SendAsync(HttpMethod.Get, "/blog/list/latest?page=1&limit=1", apiKey: apiKey);

    private async Task<string> CreateKeyAsync()
    {
        var (exitCode, output) = await topology.AuthHost.RunCommandAsync("apikey", "create");
        Assert.Equal(0, exitCode);
        return output.Trim();
    }
}

/// <summary>ForwardedHeaders:TrustedProxies takes addresses and CIDR networks, and names a bad entry at start-up.</summary>
public sealed class TrustedProxiesSettingTests
{
    [Fact]
    public void Addresses_and_networks_are_read_and_a_bad_entry_is_named()
    {
        var trusted = ForwardedClients.TrustedProxiesOf(Settings("10.0.0.5, 10.1.0.0/16,fd00::/8"));
        Assert.Equal(["10.0.0.5/32", "10.1.0.0/16", "fd00::/8"], trusted.Select(n => n.ToString()));
        Assert.Empty(ForwardedClients.TrustedProxiesOf(Settings("")));

        var error = Assert.Throws<InvalidOperationException>(() => ForwardedClients.TrustedProxiesOf(Settings("10.0.0.5,kong")));
        Assert.Equal("ForwardedHeaders:TrustedProxies holds 'kong', which is neither an IP address nor a CIDR network such as 10.0.0.0/8.", error.Message);
    }

    private static IConfiguration Settings(string value) =>
        new ConfigurationBuilder().AddInMemoryCollection([new KeyValuePair<string, string?>(ForwardedClients.TrustedProxiesKey, value)]).Build();
}
