using System.Net;
using System.Text;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Contracts.Auth;
using NATS.Client.Core;

namespace GoMicro.Integration.Tests.Split;

/// <summary>Our blog process with <c>ApiKey:Mode=Gateway</c> on a NATS server where only the reference's auth subjects
/// may be served: nothing answers <c>auth.apikey.verify</c>.</summary>
public sealed class GatewayModeBlogTopology : BlogOnlyTopology
{
    /// <inheritdoc />
    protected override void Configure(Dictionary<string, string?> settings) => settings["ApiKey:Mode"] = "Gateway";
}

/// <summary>
/// Issue 16 item 4: in Gateway mode our blog trusts the gateway's key check, so it runs beside the reference's auth
/// service, which has no <c>auth.apikey.verify</c>. In the default mode the same requests answer 503 naming that subject
/// (<see cref="OurBlogAgainstReferenceAuthTests"/>), so these answers prove the mode, not luck.
/// </summary>
public sealed class GatewayModeTests(GatewayModeBlogTopology topology) : IClassFixture<GatewayModeBlogTopology>
{
    private static readonly Guid AuthorId = Guid.Parse("7b3c4d5e-6f70-4a81-9b2c-3d4e5f607182");

    [Fact]
    public async Task Public_reads_are_served_with_no_key_check_on_the_bus_and_no_key_header()
    {
        var withKey = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/list/latest?page=1&limit=10", apiKey: $"key-{Guid.NewGuid():N}");
        var withoutKey = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/list/latest?page=1&limit=10", apiKey: null);

        withKey.ShouldSucceed();
        withoutKey.ShouldSucceed();
    }

    [Fact]
    public async Task An_authors_route_asks_only_the_references_authentication_and_authorization()
    {
        using var nats = NatsProbe.Connect(topology.Nats.Url);
        var user = $$$"""{"id":"{{{AuthorId}}}","name":"Gail Gateway","email":"gail@example.com"}""";
        var asked = new List<string>();
        await using var authentication = await ServeAsync(nats.Connection, AuthSubjects.Authentication, asked,
            request => request.Contains("Bearer good-token") ? $$$"""{"data":{{{user}}}}""" : """{"error":"401:permission denied: invalid access token"}""");
        await using var authorization = await ServeAsync(nats.Connection, AuthSubjects.Authorization, asked, _ => $$$"""{"data":{{{user}}}}""");
        // Anything else of auth's (auth.apikey.verify above all) is recorded and answered with an error the test would see.
        await using var others = await ServeAsync(nats.Connection, "auth.apikey.>", asked, _ => """{"error":"500:not the reference's"}""");

        var drafts = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/author/drafts?page=1&limit=10", accessToken: "good-token", apiKey: "any");
        var denied = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/author/drafts?page=1&limit=10", accessToken: "bad-token", apiKey: "any");

        drafts.ShouldSucceed();
        denied.ShouldFail(HttpStatusCode.Unauthorized, "permission denied: invalid access token");
        Assert.DoesNotContain(asked, s => s.StartsWith("auth.apikey.", StringComparison.Ordinal));
        Assert.Contains(AuthSubjects.Authentication, asked);
    }

    private static async Task<Responder> ServeAsync(NatsConnection nats, string subject, List<string> asked, Func<string, string> answer)
    {
        var subscription = await nats.SubscribeCoreAsync<byte[]>(subject, queueGroup: "q");
        var loop = Task.Run(async () =>
        {
            await foreach (var message in subscription.Msgs.ReadAllAsync())
            {
                lock (asked) asked.Add(message.Subject);
                await message.ReplyAsync(Encoding.UTF8.GetBytes(answer(Encoding.UTF8.GetString(message.Data ?? []))));
            }
        });
        await nats.PingAsync();
        return new Responder(subscription, loop);
    }

    private sealed class Responder(INatsSub<byte[]> subscription, Task loop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await subscription.UnsubscribeAsync();
            await loop;
        }
    }
}
