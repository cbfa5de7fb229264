using System.Net;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Blog.Model;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>
/// The public views are cached (a change made behind the API's back stays invisible) and every change made through the
/// API replaces each cached view it affects at once: by id, by slug (old and new), and in similar lists. Abstract so the
/// same scenarios run over the in-memory cache and over Redis.
/// </summary>
public abstract class BlogCacheScenarios(Topology topology)
{
    private HttpClient Blog => topology.Blog;

    /// <summary>Changes the title in the database directly, bypassing the API and therefore every invalidation.</summary>
    private Task ChangeTitleBehindTheApiAsync(TestBlog blog, string title) =>
        topology.BlogDatabase.ScalarAsync<int>("UPDATE blogs SET title = @title WHERE id = @id RETURNING 1", ("title", title), ("id", blog.Id.ToByteArray()));

    private async Task<string?> PublicTitleAsync(string path) =>
        (await Blog.GetEnvelopeAsync(path)).ShouldSucceed().Data.GetProperty("title").GetString();

    private async Task<Dictionary<ObjectId, string>> SimilarTitlesAsync(TestBlog source) =>
        (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{source.Id}")).ShouldSucceed().Data.EnumerateArray()
        .ToDictionary(b => b.GetBlogId(), b => b.GetProperty("title").GetString()!);

    /// <summary>Two published blogs whose titles share a word no other blog has, so each is in the other's similar list;
    /// returns once nothing the setup did can still evict their views (<see cref="SettledCache"/>).</summary>
    private async Task<(BlogCast Cast, TestBlog Blog, TestBlog Neighbour)> TwoSimilarBlogsAsync()
    {
        var cast = await SettledCache.CreateCastAsync(topology);
        var word = BlogSteps.UniqueWord();
        var neighbour = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"Neighbour on {word}"));
        var blog = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"Original on {word}"));
        await topology.BlogOutboxDeliveredAsync();
        return (cast, blog, neighbour);
    }

    /// <summary>Reads every cached view of <paramref name="blog"/>, so each is in the cache before the change under test.</summary>
    private async Task WarmAsync(TestBlog blog, TestBlog neighbour)
    {
        Assert.Equal(blog.Title, await PublicTitleAsync($"/blog/id/{blog.Id}"));
        Assert.Equal(blog.Title, await PublicTitleAsync($"/blog/slug/{blog.Slug}"));
        Assert.Equal(blog.Title, (await SimilarTitlesAsync(neighbour))[blog.Id]);
        Assert.Contains(neighbour.Id, (await SimilarTitlesAsync(blog)).Keys);
    }

    [Fact]
    public async Task A_cached_view_is_written_exactly_as_the_serializer_writes_its_envelope()
    {
        // Views are cached as rendered JSON and written around the envelope by hand: the body, on a miss and on a hit,
        // must be byte for byte what System.Text.Json writes for the same values with the API's options (field order,
        // nulls omitted, escaping of quotes, markup and non-ASCII text).
        var cast = await BlogCast.CreateAsync(topology);
        var word = BlogSteps.UniqueWord();
        var body = BlogSteps.CreateBody(title: $"Caf\u00e9 \"quoted\" <b>{word}</b> & more \u2713");
        var blog = await topology.CreatePublishedAsync(cast, body);
        await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"Neighbour {word}"));

        foreach (var path in new[] { $"/blog/id/{blog.Id}", $"/blog/slug/{blog.Slug}" })
            for (var read = 0; read < 2; read++)
            {
                var view = (await Blog.GetEnvelopeAsync(path)).ShouldSucceed();
                Assert.Equal(body["title"], view.Data.GetProperty("title").GetString());
                AssertSerializerOutput<PublicBlog>(view.Raw);
            }
        for (var read = 0; read < 2; read++)
        {
            var similar = (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{blog.Id}")).ShouldSucceed();
            Assert.NotEmpty(similar.Data.EnumerateArray());
            AssertSerializerOutput<ItemBlog[]>(similar.Raw);
        }
    }

    /// <summary>Asserts <paramref name="raw"/> is what the serializer writes, with the blog host's HTTP JSON options, for the
    /// values it holds.</summary>
    private void AssertSerializerOutput<T>(string raw)
    {
        var options = topology.BlogHost.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var values = JsonSerializer.Deserialize<ApiResponse<T>>(raw, options)!;
        Assert.Equal(JsonSerializer.Serialize(values, options), raw);
    }

    [Fact]
    public async Task Public_reads_by_id_slug_and_similar_list_are_served_from_the_cache()
    {
        var (_, blog, neighbour) = await TwoSimilarBlogsAsync();
        await WarmAsync(blog, neighbour);

        await ChangeTitleBehindTheApiAsync(blog, "Changed behind the API");

        Assert.Equal(blog.Title, await PublicTitleAsync($"/blog/id/{blog.Id}"));
        Assert.Equal(blog.Title, await PublicTitleAsync($"/blog/slug/{blog.Slug}"));
        Assert.Equal(blog.Title, (await SimilarTitlesAsync(neighbour))[blog.Id]);
    }

    [Fact]
    public async Task Updating_a_published_blog_replaces_its_cached_views_by_id_by_slug_and_in_similar_lists()
    {
        var (cast, blog, neighbour) = await TwoSimilarBlogsAsync();
        await WarmAsync(blog, neighbour);

        var word = BlogSteps.UniqueWord();
        await topology.UpdateAsync(cast.Author, blog, new { title = $"Updated {word}", description = "An updated description" });

        Assert.Equal($"Updated {word}", await PublicTitleAsync($"/blog/id/{blog.Id}"));
        Assert.Equal($"Updated {word}", await PublicTitleAsync($"/blog/slug/{blog.Slug}"));
        // The new title no longer shares a word with the neighbour: it leaves the neighbour's list and the list of its own.
        Assert.DoesNotContain(blog.Id, (await SimilarTitlesAsync(neighbour)).Keys);
        Assert.Empty(await SimilarTitlesAsync(blog));
    }

    [Fact]
    public async Task Changing_the_slug_drops_the_cached_view_under_the_old_slug_and_serves_the_new_one()
    {
        var (cast, blog, neighbour) = await TwoSimilarBlogsAsync();
        await WarmAsync(blog, neighbour);

        var updated = await topology.UpdateAsync(cast.Author, blog, new { slug = "moved-" + BlogSteps.UniqueWord() });
        var newSlug = updated.GetProperty("slug").GetString();

        (await Blog.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        var byNewSlug = (await Blog.GetEnvelopeAsync($"/blog/slug/{newSlug}")).ShouldSucceed();
        Assert.Equal(newSlug, byNewSlug.Data.GetProperty("slug").GetString());
        Assert.Equal(newSlug, (await Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldSucceed().Data.GetProperty("slug").GetString());
        Assert.Equal(newSlug, (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{neighbour.Id}")).ShouldSucceed()
            .Data.EnumerateArray().Single(b => b.GetBlogId() == blog.Id).GetProperty("slug").GetString());
    }

    [Fact]
    public async Task Unpublishing_removes_the_blog_from_every_cached_view_at_once()
    {
        var (cast, blog, neighbour) = await TwoSimilarBlogsAsync();
        await WarmAsync(blog, neighbour);

        await topology.UnpublishAsync(cast.Editor, blog);

        (await Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{blog.Id}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        Assert.DoesNotContain(blog.Id, (await SimilarTitlesAsync(neighbour)).Keys);
    }

    [Fact]
    public async Task Deleting_removes_the_blog_from_every_cached_view_at_once()
    {
        var (cast, blog, neighbour) = await TwoSimilarBlogsAsync();
        await WarmAsync(blog, neighbour);

        (await Blog.DeleteEnvelopeAsync($"/blog/author/id/{blog.Id}", cast.Author.AccessToken)).ShouldSucceed("blog deleted successfully");

        (await Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{blog.Id}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        Assert.DoesNotContain(blog.Id, (await SimilarTitlesAsync(neighbour)).Keys);
    }

    [Fact]
    public async Task Publishing_adds_the_blog_to_similar_lists_cached_before()
    {
        var (cast, blog, neighbour) = await TwoSimilarBlogsAsync();
        await WarmAsync(blog, neighbour);
        var word = blog.Title.Split(' ')[^1];

        var newcomer = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"Newcomer on {word}"));

        Assert.Contains(newcomer.Id, (await SimilarTitlesAsync(neighbour)).Keys);
        Assert.Contains(newcomer.Id, (await SimilarTitlesAsync(blog)).Keys);
    }

    [Fact]
    public async Task Republishing_after_an_edit_serves_the_new_text_by_id_and_slug()
    {
        var (cast, blog, neighbour) = await TwoSimilarBlogsAsync();
        await WarmAsync(blog, neighbour);

        await topology.UnpublishAsync(cast.Editor, blog);
        await topology.UpdateAsync(cast.Author, blog, new { draftText = "The second edition." });
        await topology.SubmitAsync(cast.Author, blog);
        await topology.PublishAsync(cast.Editor, blog);

        Assert.Equal("The second edition.", (await Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldSucceed().Data.GetProperty("text").GetString());
        Assert.Equal("The second edition.", (await Blog.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).ShouldSucceed().Data.GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_slug_freed_by_a_rename_and_taken_by_another_blog_serves_the_new_owner()
    {
        var (cast, blog, neighbour) = await TwoSimilarBlogsAsync();
        await WarmAsync(blog, neighbour);

        await topology.UpdateAsync(cast.Author, blog, new { slug = "renamed-" + BlogSteps.UniqueWord() });
        var successor = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: "The successor " + BlogSteps.UniqueWord(), slug: blog.Slug));

        Assert.Equal(successor.Id, (await Blog.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).ShouldSucceed().Data.GetBlogId());
    }
}

/// <summary>The cache scenarios over the in-memory cache (no <c>ConnectionStrings:Redis</c>).</summary>
public sealed class BlogCacheOnMonolithWithMemoryCache(MonolithTopology topology) : BlogCacheScenarios(topology), IClassFixture<MonolithTopology>;

/// <summary>The cache scenarios over Redis.</summary>
public sealed class BlogCacheOnMonolithWithRedis(MonolithWithRedisTopology topology) : BlogCacheScenarios(topology), IClassFixture<MonolithWithRedisTopology>
{
    [Fact]
    public async Task The_cached_views_live_in_redis_under_the_configured_prefix()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreatePublishedAsync(cast);

        (await topology.Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldSucceed();

        Assert.NotEmpty(await RedisServer.KeysAsync(TestEnvironment.Redis, $"{topology.KeyPrefix}*blog:id:{blog.Id}:*"));
    }
}
