using System.Diagnostics;
using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Blog.Caching;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using Xunit.Abstractions;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>
/// Two monolith instances on the same databases and the same Redis (one key prefix, one backplane channel), as two
/// replicas of a deployment. The first (<see cref="Topology.Blog"/>) has a <see cref="LoadGate"/> inside its blog cache's
/// loader; the second is <see cref="Second"/>.
/// </summary>
public sealed class TwoInstancesOnOneRedisTopology : MonolithWithRedisTopology
{
    private GoMicroHostFactory _second = null!;

    /// <summary>The gate inside the first instance's loader.</summary>
    public LoadGate Gate { get; } = new();

    /// <summary>A client of the second instance.</summary>
    public HttpClient Second { get; private set; } = null!;

    /// <inheritdoc />
    public override IReadOnlyList<GoMicroHostFactory> BlogHosts => [BlogHost, _second];

    /// <inheritdoc />
    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IBlogViewLoadHook>(Gate);

    /// <inheritdoc />
    protected override async Task StartHostsAsync()
    {
        await base.StartHostsAsync();
        var settings = SettingsFor("monolith");
        Configure(settings);
        _second = new GoMicroHostFactory(settings);
        await _second.StartAsync();
        Second = _second.CreateClient();
    }

    /// <inheritdoc />
    protected override async ValueTask StopHostsAsync()
    {
        Second.Dispose();
        await _second.DisposeAsync();
        await base.StopHostsAsync();
    }
}

/// <summary>
/// Holds one load of the blog cache between its database read and its cache write, so a test can commit a change in that
/// window: the read-then-set race, made deterministic instead of left to timing.
/// </summary>
public sealed class LoadGate : IBlogViewLoadHook
{
    private Armed? _armed;

    /// <summary>One armed gate: <see cref="Loaded"/> completes when the load is held, <see cref="Release"/> lets it go on.</summary>
    public sealed record Armed(string KeyPart, TaskCompletionSource Loaded, TaskCompletionSource Release);

    /// <summary>Holds the next load whose cache key contains <paramref name="keyPart"/>.</summary>
    public Armed Arm(string keyPart)
    {
        var armed = new Armed(keyPart, new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));
        Volatile.Write(ref _armed, armed);
        return armed;
    }

    async Task IBlogViewLoadHook.LoadedAsync(string viewKey, bool found, CancellationToken cancellationToken)
    {
        var armed = Volatile.Read(ref _armed);
        if (armed is null || !viewKey.Contains(armed.KeyPart, StringComparison.Ordinal)) return;
        if (Interlocked.CompareExchange(ref _armed, null, armed) != armed) return;
        armed.Loaded.TrySetResult();
        await armed.Release.Task.WaitAsync(cancellationToken);
    }
}

/// <summary>
/// The hybrid cache across instances (ADR 14): a change committed on one instance stops the other serving the old view
/// within the 500 ms contract (each test prints the measured figure), the read-then-set race stays closed, and a hit
/// is served from the instance's memory without Redis.
/// </summary>
public sealed class CrossInstanceInvalidationTests(TwoInstancesOnOneRedisTopology topology, ITestOutputHelper output)
    : IClassFixture<TwoInstancesOnOneRedisTopology>
{
    private static readonly TimeSpan Contract = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(10);

    private static async Task<string?> TitleAsync(HttpClient client, string path)
    {
        var read = await client.GetEnvelopeAsync(path);
        return read.HttpStatus == HttpStatusCode.OK ? read.Data.GetProperty("title").GetString() : $"HTTP {(int)read.HttpStatus}";
    }

    private static async Task<ObjectId[]> SimilarIdsAsync(HttpClient client, TestBlog source) =>
        (await client.GetEnvelopeAsync($"/blog/list/similar/id/{source.Id}")).ShouldSucceed().Data.EnumerateArray()
        .Select(b => b.GetBlogId()).ToArray();

    /// <summary>Runs <paramref name="change"/> on the first instance, then polls the second until
    /// <paramref name="servesOld"/> is false; asserts the contract and reports the figure.</summary>
    private async Task StopsServingOldViewOnSecondAsync(string what, Func<Task> change, Func<Task<bool>> servesOld)
    {
        Assert.True(await servesOld(), "the second instance serves the old view before the change");
        Assert.True(await servesOld(), "the second instance serves the old view from its cache before the change");

        await change();
        var sinceCommit = Stopwatch.StartNew();
        while (await servesOld())
        {
            Assert.True(sinceCommit.Elapsed < GiveUp, $"{what}: the second instance still serves the old view after {GiveUp.TotalSeconds} s");
            await Task.Delay(2);
        }
        var elapsed = sinceCommit.Elapsed;
        output.WriteLine($"{what}: the second instance stopped serving the old view {elapsed.TotalMilliseconds:0.0} ms after the change's response");
        Assert.True(elapsed <= Contract, $"{what}: took {elapsed.TotalMilliseconds:0} ms, the contract is {Contract.TotalMilliseconds:0} ms");
    }

    private async Task<(BlogCast Cast, TestBlog Blog, TestBlog Neighbour, string Word)> TwoSimilarBlogsAsync()
    {
        var cast = await SettledCache.CreateCastAsync(topology);
        var word = BlogSteps.UniqueWord();
        var neighbour = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"Neighbour on {word}"));
        var blog = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"Original on {word}"));
        await topology.BlogOutboxDeliveredAsync();
        return (cast, blog, neighbour, word);
    }

    [Fact]
    public async Task An_update_on_one_instance_reaches_the_other_within_the_contract()
    {
        var (cast, blog, _, _) = await TwoSimilarBlogsAsync();
        await StopsServingOldViewOnSecondAsync("update",
            () => topology.UpdateAsync(cast.Author, blog, new { title = "Updated " + BlogSteps.UniqueWord() }),
            async () => await TitleAsync(topology.Second, $"/blog/id/{blog.Id}") == blog.Title);
    }

    [Fact]
    public async Task An_unpublish_on_one_instance_reaches_the_other_within_the_contract()
    {
        var (cast, blog, _, _) = await TwoSimilarBlogsAsync();
        await StopsServingOldViewOnSecondAsync("unpublish",
            () => topology.UnpublishAsync(cast.Editor, blog),
            async () => await TitleAsync(topology.Second, $"/blog/slug/{blog.Slug}") == blog.Title);
        Assert.Equal("HTTP 404", await TitleAsync(topology.Second, $"/blog/slug/{blog.Slug}"));
    }

    [Fact]
    public async Task A_delete_on_one_instance_reaches_the_other_within_the_contract()
    {
        var (cast, blog, _, _) = await TwoSimilarBlogsAsync();
        await StopsServingOldViewOnSecondAsync("delete",
            async () => (await topology.Blog.DeleteEnvelopeAsync($"/blog/author/id/{blog.Id}", cast.Author.AccessToken)).ShouldSucceed("blog deleted successfully"),
            async () => await TitleAsync(topology.Second, $"/blog/id/{blog.Id}") == blog.Title);
        Assert.Equal("HTTP 404", await TitleAsync(topology.Second, $"/blog/id/{blog.Id}"));
    }

    [Fact]
    public async Task A_publish_on_one_instance_reaches_the_other_instances_similar_lists_within_the_contract()
    {
        var (cast, blog, neighbour, word) = await TwoSimilarBlogsAsync();
        var newcomer = await topology.CreateAsync(cast.Author, BlogSteps.CreateBody(title: $"Newcomer on {word}"));
        await topology.SubmitAsync(cast.Author, newcomer);
        await StopsServingOldViewOnSecondAsync("publish (similar list)",
            () => topology.PublishAsync(cast.Editor, newcomer),
            async () => !(await SimilarIdsAsync(topology.Second, neighbour)).Contains(newcomer.Id));
        Assert.Contains(newcomer.Id, await SimilarIdsAsync(topology.Second, blog));
    }

    [Fact]
    public async Task A_title_edit_that_leaves_a_similar_list_reaches_the_other_instance_within_the_contract()
    {
        var (cast, blog, neighbour, _) = await TwoSimilarBlogsAsync();
        await StopsServingOldViewOnSecondAsync("update (similar list)",
            () => topology.UpdateAsync(cast.Author, blog, new { title = "Elsewhere " + BlogSteps.UniqueWord() }),
            async () => (await SimilarIdsAsync(topology.Second, neighbour)).Contains(blog.Id));
    }

    [Fact]
    public async Task A_reader_that_loaded_before_a_commit_does_not_cache_the_old_view_after_it()
    {
        var (cast, blog, _, _) = await TwoSimilarBlogsAsync();
        var gate = topology.Gate.Arm($"blog:id:{blog.Id}:");

        // The reader misses, loads the published row, and is held before its cache write.
        var reader = TitleAsync(topology.Blog, $"/blog/id/{blog.Id}");
        await gate.Loaded.Task.WaitAsync(GiveUp);
        // The change commits (and invalidates) while the reader holds the old row.
        await topology.UpdateAsync(cast.Author, blog, new { title = "Committed while a reader loads" });
        gate.Release.TrySetResult();
        Assert.Equal(blog.Title, await reader);   // it read before the commit: the old title is its right answer

        // Its late write must not be what anyone reads now, here or on the other instance.
        Assert.Equal("Committed while a reader loads", await TitleAsync(topology.Blog, $"/blog/id/{blog.Id}"));
        Assert.Equal("Committed while a reader loads", await TitleAsync(topology.Blog, $"/blog/id/{blog.Id}"));
        Assert.Equal("Committed while a reader loads", await TitleAsync(topology.Second, $"/blog/id/{blog.Id}"));
    }

    [Fact]
    public async Task Views_loaded_on_one_instance_are_served_to_the_other_from_redis()
    {
        var (_, blog, neighbour, _) = await TwoSimilarBlogsAsync();
        Assert.Equal(blog.Title, await TitleAsync(topology.Blog, $"/blog/slug/{blog.Slug}"));
        Assert.Contains(blog.Id, await SimilarIdsAsync(topology.Blog, neighbour));

        // Behind the API's back, so only a cached copy can still show the old state.
        await topology.BlogDatabase.ScalarAsync<int>("UPDATE blogs SET title = @title, published = false WHERE id = @id RETURNING 1", ("title", "Changed behind the API"), ("id", blog.Id.ToByteArray()));

        // The second instance never loaded them: it reads (and deserializes) what the first stored in Redis.
        var bySlug = (await topology.Second.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).ShouldSucceed().Data;
        Assert.Equal(blog.Title, bySlug.GetProperty("title").GetString());
        Assert.Equal(blog.Id, bySlug.GetBlogId());
        Assert.False(string.IsNullOrEmpty(bySlug.GetProperty("author").GetProperty("name").GetString()));
        Assert.Contains(blog.Id, await SimilarIdsAsync(topology.Second, neighbour));
    }

    [Fact]
    public async Task A_hit_is_served_from_the_instances_memory_without_redis()
    {
        var (_, blog, _, _) = await TwoSimilarBlogsAsync();
        Assert.Equal(blog.Title, await TitleAsync(topology.Blog, $"/blog/id/{blog.Id}"));

        // Behind the API's back: a new title in the database, and the view and its generation gone from Redis.
        await topology.BlogDatabase.ScalarAsync<int>("UPDATE blogs SET title = @title WHERE id = @id RETURNING 1", ("title", "Changed behind the API"), ("id", blog.Id.ToByteArray()));
        Assert.True(await RedisServer.DeleteKeysAsync(TestEnvironment.Redis, $"{topology.KeyPrefix}*blog:*id:{blog.Id}*") > 0);

        // The first instance answers from its memory (a Redis or database read would see the change); the second,
        // which never read it, has nothing in memory and nothing left in Redis, so it reads the database.
        Assert.Equal(blog.Title, await TitleAsync(topology.Blog, $"/blog/id/{blog.Id}"));
        Assert.Equal("Changed behind the API", await TitleAsync(topology.Second, $"/blog/id/{blog.Id}"));
    }
}
