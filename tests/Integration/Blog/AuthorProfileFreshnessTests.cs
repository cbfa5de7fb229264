using System.Diagnostics;
using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>
/// Cached public views embed the author's name and picture, which belong to the Auth module: an
/// <c>auth.events.user-changed</c> event evicts them (issue 10 item 4) on the instance that receives it and, through Redis
/// and the backplane, on every other. These tests change the row behind the API and publish the event themselves, to
/// prove the Blog side alone; <c>ScaledOutCacheTests</c> runs the whole path through the <c>user profile</c> command.
/// </summary>
public sealed class AuthorProfileFreshnessTests(TwoInstancesOnOneRedisTopology topology, ITestOutputHelper output)
    : IClassFixture<TwoInstancesOnOneRedisTopology>
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(10);

    private static async Task<string> AuthorNameAsync(HttpClient client, string path)
    {
        var read = await client.GetEnvelopeAsync(path);
        return read.HttpStatus == HttpStatusCode.OK ? read.Data.GetProperty("author").GetProperty("name").GetString()! : $"HTTP {(int)read.HttpStatus}";
    }

    private Task PublishAsync(UserChanged changed) =>
        topology.BlogHost.Services.GetRequiredService<IModuleBus>().PublishAsync(AuthEvents.UserChanged, changed);

    private Task RenameBehindTheApiAsync(TestUser user, string name) =>
        topology.AuthDatabase.ScalarAsync<int>("UPDATE users SET name = @name WHERE id = @id RETURNING 1", ("name", name), ("id", user.Id));

    [Theory]
    [InlineData(UserChanges.Profile)]
    [InlineData(UserChanges.Deactivated)]
    [InlineData("a-change-not-known-yet")]
    public async Task A_user_changed_event_refreshes_the_cached_views_of_the_authors_blogs_on_every_instance(string change)
    {
        var cast = await SettledCache.CreateCastAsync(topology);
        var blog = await topology.CreatePublishedAsync(cast);
        await topology.BlogOutboxDeliveredAsync();
        string[] paths = [$"/blog/id/{blog.Id}", $"/blog/slug/{blog.Slug}"];
        var clients = new[] { topology.Blog, topology.Second };
        foreach (var client in clients)
            foreach (var path in paths)
                Assert.Equal(cast.Author.Name, await AuthorNameAsync(client, path));

        var renamed = "Renamed " + BlogSteps.UniqueWord();
        await RenameBehindTheApiAsync(cast.Author, renamed);
        // Cached: without the event both instances keep the old name (up to Blog:Cache:PublicBlogDuration).
        foreach (var client in clients)
            foreach (var path in paths)
                Assert.Equal(cast.Author.Name, await AuthorNameAsync(client, path));

        var sincePublish = Stopwatch.StartNew();
        await PublishAsync(new UserChanged(cast.Author.Id, change));
        foreach (var client in clients)
            foreach (var path in paths)
                await Eventually.HoldsAsync(async () => await AuthorNameAsync(client, path) == renamed, GiveUp, $"{path} shows the new name");
        output.WriteLine($"{change}: both instances show the new name {sincePublish.Elapsed.TotalMilliseconds:0} ms after the event");
    }
}
