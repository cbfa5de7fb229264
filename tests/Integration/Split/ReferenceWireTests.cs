using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Modularity;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;

namespace GoMicro.Integration.Tests.Split;

// The bus wire against the reference (gomicro 6d3aec7 with goserve v2.1.2's micro package, api.md section 6), played
// byte for byte: the requests its blog service sends (micro.RequestNats: json.Marshal of {"data": ...}) and the replies
// its auth service sends (micro.RespondNatsMessage / RespondNatsError: {"data": ...} or {"error": "<status>:<text>"}),
// recorded here in their exact shapes.

/// <summary>Our auth service, asked as the reference's blog service asks it.</summary>
public sealed class ReferenceBlogAgainstOurAuthTests(SplitTopology topology) : IClassFixture<SplitTopology>
{
    [Fact]
    public async Task Authentication_answers_the_references_request_with_its_user_shape_or_its_401_error()
    {
        var user = await TestUsers.CreateAsync(topology);
        using var nats = NatsProbe.Connect(topology.Nats.Url);

        var ok = await nats.RequestRawAsync(AuthSubjects.Authentication, $$$"""{"data":{"value":"Bearer {{{user.AccessToken}}}"}}""");
        var bad = await nats.RequestRawAsync(AuthSubjects.Authentication, """{"data":{"value":"Bearer not-a-token"}}""");

        // What the reference's message.User needs (id a UUID, name, email; extra fields such as roles are ignored).
        using var reply = JsonDocument.Parse(ok.Data);
        Assert.False(reply.RootElement.TryGetProperty("error", out _));
        var data = reply.RootElement.GetProperty("data");
        Assert.Equal(user.Id, Guid.Parse(data.GetProperty("id").GetString()!));
        Assert.Equal(user.Email, data.GetProperty("email").GetString());
        Assert.Equal(user.Name, data.GetProperty("name").GetString());
        Assert.Equal("""{"error":"401:permission denied: invalid access token"}""", Encoding.UTF8.GetString(bad.Data!));
        // And the NATS micro services form of the same error, for NATS tools.
        Assert.Equal("401", Header(bad, "Nats-Service-Error-Code"));
        Assert.Equal("permission denied: invalid access token", Header(bad, "Nats-Service-Error"));
    }

    [Fact]
    public async Task Authorization_and_profile_answer_the_references_requests_with_403_and_404_errors()
    {
        var author = await TestUsers.CreateAsync(topology, RoleCodes.Author);
        using var nats = NatsProbe.Connect(topology.Nats.Url);
        var user = $$$"""{"id":"{{{author.Id}}}","name":"{{{author.Name}}}","email":"{{{author.Email}}}"}""";

        var allowed = await nats.RequestRawAsync(AuthSubjects.Authorization, $$$"""{"data":{"user":{{{user}}},"roles":["AUTHOR"]}}""");
        var denied = await nats.RequestRawAsync(AuthSubjects.Authorization, $$$"""{"data":{"user":{{{user}}},"roles":["EDITOR"]}}""");
        var unknown = await nats.RequestRawAsync(AuthSubjects.ProfileUser, $$$"""{"data":{"value":"{{{Guid.NewGuid()}}}"}}""");

        using (var reply = JsonDocument.Parse(allowed.Data))
            Assert.Equal(author.Id, Guid.Parse(reply.RootElement.GetProperty("data").GetProperty("id").GetString()!));
        Assert.Equal("""{"error":"403:permission denied: does not have suffient role"}""", Encoding.UTF8.GetString(denied.Data!));
        Assert.Equal("""{"error":"404:user does not exists"}""", Encoding.UTF8.GetString(unknown.Data!));
    }

    [Fact]
    public async Task An_instance_of_the_reference_and_ours_share_each_request_in_the_default_queue_group()
    {
        await using var nats = NatsProbe.Connect(topology.Nats.Url);
        // This test's requests carry a header of their own, so a request from anywhere else on the bus cannot be
        // counted; the stand-in answers with a name of its own, so each answer says which side sent it.
        var run = Guid.NewGuid().ToString("N");
        var theirs = 0;
        // A reference auth instance: micro.AddService's endpoints subscribe in queue group "q".
        await using var reference = await nats.Connection.SubscribeCoreAsync<byte[]>(AuthSubjects.ProfileUser, queueGroup: "q");
        var replying = Task.Run(async () =>
        {
            await foreach (var message in reference.Msgs.ReadAllAsync())
            {
                if (Header(message, "Test-Run") == run) Interlocked.Increment(ref theirs);
                await message.ReplyAsync(Encoding.UTF8.GetBytes($$$"""{"data":{"id":"{{{DevelopmentSeed.AdminUserId}}}","name":"Reference stand-in","email":"{{{DevelopmentSeed.AdminEmail}}}"}}"""));
            }
        });
        await nats.Connection.PingAsync();

        var ours = 0;
        for (var i = 0; i < 40; i++)
        {
            var reply = await nats.Connection.RequestAsync<byte[], byte[]>(AuthSubjects.ProfileUser,
                Encoding.UTF8.GetBytes($$$"""{"data":{"value":"{{{DevelopmentSeed.AdminUserId}}}"}}"""),
                headers: new NatsHeaders { ["Test-Run"] = run }, replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(10) });
            using var answer = JsonDocument.Parse(reply.Data);
            if (answer.RootElement.GetProperty("data").GetProperty("name").GetString() != "Reference stand-in") ours++;
        }
        await reference.UnsubscribeAsync();
        await replying;
        // Each request reached exactly one of the two: the stand-in received only those it answered. In separate queue
        // groups it would receive all 40 while ours still answered some first.
        Assert.Equal(40, ours + Volatile.Read(ref theirs));
        Assert.True(ours > 0 && theirs > 0, $"ours {ours}, theirs {theirs}");
    }

    private static string? Header(NatsMsg<byte[]> message, string name) =>
        message.Headers is { } headers && headers.TryGetLastValue(name, out var value) ? value : null;
}

/// <summary>Our blog service, with the reference's auth service on the bus instead of ours.</summary>
public sealed class OurBlogAgainstReferenceAuthTests(BlogOnlyTopology topology) : IClassFixture<BlogOnlyTopology>, IAsyncLifetime
{
    private static readonly Guid AuthorId = Guid.Parse("5f1a9b8e-2c3d-4e5f-8a9b-0c1d2e3f4a5b");
    private static readonly Guid LearnerId = Guid.Parse("6a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d");
    private NatsProbe _nats = null!;
    private ReferenceAuth _reference = null!;

    public async Task InitializeAsync()
    {
        _nats = NatsProbe.Connect(topology.Nats.Url);
        _reference = await ReferenceAuth.StartAsync(_nats.Connection);
    }

    public async Task DisposeAsync()
    {
        await _reference.DisposeAsync();
        await _nats.DisposeAsync();
    }

    [Fact]
    public async Task Without_auth_apikey_verify_on_the_bus_our_blog_answers_503_at_once_never_403_or_500()
    {
        var response = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/author/drafts?page=1&limit=10", accessToken: "any",
            apiKey: $"key-{Guid.NewGuid():N}");

        // The reference checks keys at the gateway and has no auth.apikey.verify; in the default ApiKey:Mode=Check our blog
        // cannot check keys beside it, and says so with 503, naming the service (GatewayModeTests: the mode that can).
        response.ShouldFail(HttpStatusCode.ServiceUnavailable, $"auth service unavailable: no instance serves {AuthSubjects.ApiKeyVerify}");
    }

    [Fact]
    public async Task The_references_401_error_answers_401_with_its_message_without_the_prefix()
    {
        await using var keys = await KeyCheck.StartAsync(_nats.Connection);

        var response = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/author/drafts?page=1&limit=10", accessToken: "expired-token",
            apiKey: $"key-{Guid.NewGuid():N}");

        response.ShouldFail(HttpStatusCode.Unauthorized, "permission denied: invalid access token");
        // What the reference's auth service received: its message.Text with the whole header value.
        using var request = JsonDocument.Parse(_reference.Received(AuthSubjects.Authentication).Last());
        Assert.Equal("Bearer expired-token", request.RootElement.GetProperty("data").GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_reference_user_without_roles_is_authorized_by_asking_the_reference_with_its_user_role_shape()
    {
        await using var keys = await KeyCheck.StartAsync(_nats.Connection);
        var key = $"key-{Guid.NewGuid():N}";

        var learner = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/author/drafts?page=1&limit=10", accessToken: "learner", apiKey: key);
        var author = await topology.Blog.SendAsync(HttpMethod.Get, "/blog/author/drafts?page=1&limit=10", accessToken: "author", apiKey: key);

        learner.ShouldFail(HttpStatusCode.Forbidden, "permission denied: does not have suffient role");
        author.ShouldSucceed();
        using var asked = JsonDocument.Parse(_reference.Received(AuthSubjects.Authorization).First());
        var data = asked.RootElement.GetProperty("data");
        Assert.Equal(LearnerId, Guid.Parse(data.GetProperty("user").GetProperty("id").GetString()!));
        Assert.Equal(["AUTHOR"], data.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Raw_texts_known_errors_and_unreadable_replies_from_the_reference_are_told_apart()
    {
        var bus = topology.BlogHost.Services.GetRequiredService<IModuleBus>();

        var known = await Assert.ThrowsAsync<BusErrorException>(() => bus.RequestAsync<Text, User>(AuthSubjects.ProfileUser, new Text(Guid.NewGuid().ToString())));
        var raw = await Assert.ThrowsAsync<BusErrorException>(() => bus.RequestAsync<Text, User>(AuthSubjects.ProfileUser, new Text("abc")));
        var unreadable = await Assert.ThrowsAsync<BusRemoteFaultException>(() => bus.RequestAsync<Text, User>(AuthSubjects.ProfileUser, new Text("garbage")));
        var found = await bus.RequestAsync<Text, User>(AuthSubjects.ProfileUser, new Text(AuthorId.ToString()));

        Assert.Equal((404, "user does not exists"), (known.Status, known.Message));
        Assert.Equal((null, "invalid UUID length: 3"), (raw.Status, raw.Message));
        Assert.Equal("auth", unreadable.Service);
        Assert.Equal(("Ann Author", null), (found.Name, found.Roles));
    }

    /// <summary>The reference's auth service as its three NATS endpoints answer (no <c>auth.apikey.verify</c>), in queue
    /// group <c>q</c>, with recorded replies; keeps every request it got.</summary>
    private sealed class ReferenceAuth : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _received = new();
        private readonly List<INatsSub<byte[]>> _subscriptions = [];
        private readonly List<Task> _loops = [];

        public IReadOnlyCollection<string> Received(string subject) => _received.GetValueOrDefault(subject) ?? new ConcurrentQueue<string>();

        public static async Task<ReferenceAuth> StartAsync(NatsConnection nats)
        {
            var auth = new ReferenceAuth();
            await auth.ServeAsync(nats, AuthSubjects.Authentication, request => Value(request) switch
            {
                "Bearer author" => User(AuthorId, "Ann Author"),
                "Bearer learner" => User(LearnerId, "Lee Learner"),
                _ => """{"error":"401:permission denied: invalid access token"}""",
            });
            await auth.ServeAsync(nats, AuthSubjects.Authorization, request =>
            {
                var data = request.RootElement.GetProperty("data");
                var id = Guid.Parse(data.GetProperty("user").GetProperty("id").GetString()!);
                return id == AuthorId && data.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "AUTHOR")
                    ? User(AuthorId, "Ann Author")
                    : """{"error":"403:permission denied: does not have suffient role"}""";
            });
            await auth.ServeAsync(nats, AuthSubjects.ProfileUser, request => Value(request) switch
            {
                var v when v == AuthorId.ToString() => User(AuthorId, "Ann Author"),
                "abc" => """{"error":"invalid UUID length: 3"}""", // uuid.Parse's error, sent raw
                "garbage" => "not json",
                _ => """{"error":"404:user does not exists"}""",
            });
            await nats.PingAsync();
            return auth;
        }

        private static string? Value(JsonDocument request) => request.RootElement.GetProperty("data").GetProperty("value").GetString();

        private static string User(Guid id, string name) =>
            $$$"""{"data":{"id":"{{{id}}}","name":"{{{name}}}","email":"{{{name.Split(' ')[0].ToLowerInvariant()}}}@example.com"}}""";

        private async Task ServeAsync(NatsConnection nats, string subject, Func<JsonDocument, string> answer)
        {
            var subscription = await nats.SubscribeCoreAsync<byte[]>(subject, queueGroup: "q");
            _subscriptions.Add(subscription);
            _loops.Add(Task.Run(async () =>
            {
                await foreach (var message in subscription.Msgs.ReadAllAsync())
                {
                    var text = Encoding.UTF8.GetString(message.Data ?? []);
                    _received.GetOrAdd(subject, _ => new ConcurrentQueue<string>()).Enqueue(text);
                    using var request = JsonDocument.Parse(text);
                    await message.ReplyAsync(Encoding.UTF8.GetBytes(answer(request)));
                }
            }));
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var subscription in _subscriptions) await subscription.UnsubscribeAsync();
            await Task.WhenAll(_loops);
        }
    }

    /// <summary>Stands for a key check the reference's deployment does at the gateway: answers <c>auth.apikey.verify</c>
    /// for any key, so the tests reach the authentication the reference serves.</summary>
    private sealed class KeyCheck(INatsSub<byte[]> subscription, Task loop) : IAsyncDisposable
    {
        public static async Task<KeyCheck> StartAsync(NatsConnection nats)
        {
            var subscription = await nats.SubscribeCoreAsync<byte[]>(AuthSubjects.ApiKeyVerify, queueGroup: "q");
            var loop = Task.Run(async () =>
            {
                await foreach (var message in subscription.Msgs.ReadAllAsync())
                    await message.ReplyAsync("""{"data":{"permissions":["GENERAL"]}}"""u8.ToArray());
            });
            await nats.PingAsync();
            return new KeyCheck(subscription, loop);
        }

        public async ValueTask DisposeAsync()
        {
            await subscription.UnsubscribeAsync();
            await loop;
        }
    }
}
