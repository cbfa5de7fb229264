using System.Diagnostics;
using System.Net;
using GoMicro.Integration.Tests.Blog;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GoMicro.Integration.Tests.Split;

/// <summary>Two auth and two blog processes over NATS, all on the shared test Redis under a key prefix of their own.</summary>
public sealed class ScaledOutOnRedisTopology : ScaledOutTopology
{
    /// <summary>This fixture's key prefix (<c>Cache:Redis:InstanceName</c>).</summary>
    public string KeyPrefix { get; } = $"test-{Guid.NewGuid():N}:";

    /// <inheritdoc />
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["ConnectionStrings:Redis"] = TestEnvironment.Redis;
        settings["Cache:Redis:InstanceName"] = KeyPrefix;
    }
}

/// <summary>
/// Issue 10's "done when" for the blog cache, on the split deployment: an unpublish on one blog process makes the other
/// answer 404 within 500 ms, and an author's profile change (announced on the bus, or made by the <c>user profile</c>
/// admin command on an auth process) refreshes both processes' views.
/// Each test prints its measured figures.
/// </summary>
public sealed class ScaledOutCacheTests(ScaledOutOnRedisTopology topology, ITestOutputHelper output) : IClassFixture<ScaledOutOnRedisTopology>
{
    private static readonly TimeSpan Contract = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_unpublish_on_one_blog_process_makes_the_other_answer_404_within_500_ms()
    {
        var cast = await BlogCast.CreateAsync(topology);
        using var other = topology.BlogHosts[1].CreateClient();
        var figures = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            var blog = await topology.CreatePublishedAsync(cast);
            var path = $"/blog/id/{blog.Id}";
            (await other.GetEnvelopeAsync(path)).ShouldSucceed();
            (await other.GetEnvelopeAsync(path)).ShouldSucceed();   // now from its cache

            await topology.UnpublishAsync(cast.Editor, blog);        // on the first blog process
            var sinceCommit = Stopwatch.StartNew();
            while ((await other.GetEnvelopeAsync(path)).HttpStatus != HttpStatusCode.NotFound)
            {
                Assert.True(sinceCommit.Elapsed < GiveUp, $"the other blog process still serves the blog {GiveUp.TotalSeconds} s after the unpublish");
                await Task.Delay(1);
            }
            figures.Add(sinceCommit.Elapsed.TotalMilliseconds);
        }
        output.WriteLine($"unpublish on blog process 1 -> 404 on blog process 2 after (ms): {string.Join(", ", figures.Select(f => f.ToString("0.0")))}");
        Assert.All(figures, ms => Assert.True(ms <= Contract.TotalMilliseconds, $"took {ms:0} ms, the contract is {Contract.TotalMilliseconds:0} ms"));
    }

    [Fact]
    public async Task A_profile_change_announced_by_auth_refreshes_the_authors_views_on_both_blog_processes()
    {
        await WithAPublishedBlogSeenByBothAsync(async (cast, path, clients) =>
        {
            var renamed = "Renamed " + BlogSteps.UniqueWord();
            await topology.AuthDatabase.ScalarAsync<int>("UPDATE users SET name = @name WHERE id = @id RETURNING 1", ("name", renamed), ("id", cast.Author.Id));
            foreach (var client in clients) Assert.Equal(cast.Author.Name, await AuthorNameAsync(client, path));

            // Published by an auth process over NATS, as the Auth module's outbox does.
            var sincePublish = Stopwatch.StartNew();
            await topology.AuthHost.Services.GetRequiredService<IModuleBus>().PublishAsync(AuthEvents.UserChanged, new UserChanged(cast.Author.Id, UserChanges.Profile));
            foreach (var client in clients)
                await Eventually.HoldsAsync(async () => await AuthorNameAsync(client, path) == renamed, GiveUp, "the blog process shows the new name");
            output.WriteLine($"profile event -> both blog processes show the new name after {sincePublish.Elapsed.TotalMilliseconds:0.0} ms");
        });
    }

    [Fact]
    public async Task The_profile_admin_command_on_an_auth_process_refreshes_the_authors_views_on_both_blog_processes()
    {
        await WithAPublishedBlogSeenByBothAsync(async (cast, path, clients) =>
        {
            var renamed = "Renamed " + BlogSteps.UniqueWord();
            var sinceCommand = Stopwatch.StartNew();
            var (exitCode, said) = await topology.AuthHosts[1].RunCommandAsync("user", "profile", cast.Author.Email, "--name", $"  {renamed} ", "--picture", "https://example.com/new.png");
            Assert.True(exitCode == 0, said);
            foreach (var client in clients)
                await Eventually.HoldsAsync(async () => await AuthorNameAsync(client, path) == renamed, GiveUp, "the blog process shows the new name");
            output.WriteLine($"user profile -> both blog processes show the new name after {sinceCommand.Elapsed.TotalMilliseconds:0.0} ms");
            var author = (await clients[0].GetEnvelopeAsync(path)).ShouldSucceed().Data.GetProperty("author");
            Assert.Equal("https://example.com/new.png", author.GetProperty("profilePicUrl").GetString());
        });
    }

    [Theory]
    [InlineData("--name", "x", "name must be at least 2 characters")]
    [InlineData("--picture", "not a url", "profilepicurl is not a valid URL")]
    public async Task A_profile_command_with_a_bad_value_prints_the_API_s_message_and_changes_nothing(string option, string value, string expected)
    {
        var user = await TestUsers.CreateAsync(topology);
        var (exitCode, said) = await topology.AuthHost.RunCommandAsync("user", "profile", user.Email, option, value);
        Assert.Equal(1, exitCode);
        Assert.Contains(expected, said);
        var name = await topology.AuthDatabase.ScalarAsync<string>("SELECT name FROM users WHERE id = @id", ("id", user.Id));
        Assert.Equal(user.Name, name);
        Assert.Equal(1, (await topology.AuthHost.RunCommandAsync("user", "profile", user.Email)).ExitCode);   // no change asked
    }

    /// <summary>Publishes a blog, has both blog processes cache its slug view with the author's current name, then runs
    /// <paramref name="test"/> with the cast, the view's path and one client per blog process.</summary>
    private async Task WithAPublishedBlogSeenByBothAsync(Func<BlogCast, string, HttpClient[], Task> test)
    {
        var cast = await SettledCache.CreateCastAsync(topology);
        var blog = await topology.CreatePublishedAsync(cast);
        await topology.BlogOutboxDeliveredAsync();
        var path = $"/blog/slug/{blog.Slug}";
        var clients = topology.BlogHosts.Select(h => h.CreateClient()).ToArray();
        try
        {
            foreach (var client in clients) Assert.Equal(cast.Author.Name, await AuthorNameAsync(client, path));
            await test(cast, path, clients);
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    private static async Task<string> AuthorNameAsync(HttpClient client, string path) =>
        (await client.GetEnvelopeAsync(path)).ShouldSucceed().Data.GetProperty("author").GetProperty("name").GetString()!;
}
