using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Modularity;

namespace GoMicro.Integration.Tests.Blog;

public abstract partial class BlogApiScenarios
{
    // ---- the whole story ---------------------------------------------------------------------------------------

    [Fact]
    public async Task An_author_writes_an_editor_publishes_everyone_reads_and_unpublishing_hides_it_at_once()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var word = BlogSteps.UniqueWord();
        var tag = BlogSteps.UniqueWord().ToUpperInvariant();
        var neighbour = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"A neighbour about {word}"));

        var body = BlogSteps.CreateBody(title: $"Everything about {word}");
        body["tags"] = new[] { tag };
        var blog = await topology.CreateAsync(cast.Author, body);
        await topology.UpdateAsync(cast.Author, blog, new { description = "Edited before submission" });
        await topology.SubmitAsync(cast.Author, blog);
        Assert.Contains(blog.Id, (await Blog.GetEnvelopeAsync("/blog/editor/submitted?page=1&limit=1000", cast.Editor.AccessToken)).ShouldSucceed().Ids());
        await topology.PublishAsync(cast.Editor, blog);

        var byId = (await Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldSucceed();
        Assert.Equal("Edited before submission", byId.Data.GetProperty("description").GetString());
        (await Blog.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).ShouldSucceed();
        Assert.Equal([blog.Id], (await Blog.GetEnvelopeAsync($"/blog/list/tag/{tag}?page=1&limit=10")).ShouldSucceed().Ids());
        Assert.Equal(blog.Id, (await Blog.GetEnvelopeAsync("/blog/list/latest?page=1&limit=1")).ShouldSucceed().Ids().Single());
        Assert.Equal([neighbour.Id], (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{blog.Id}")).ShouldSucceed().Ids());
        Assert.Equal([blog.Id], (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{neighbour.Id}")).ShouldSucceed().Ids());

        await topology.UnpublishAsync(cast.Editor, blog);

        (await Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{blog.Id}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        Assert.Empty((await Blog.GetEnvelopeAsync($"/blog/list/tag/{tag}?page=1&limit=10")).ShouldSucceed().Ids());
        Assert.DoesNotContain(blog.Id, (await Blog.GetEnvelopeAsync("/blog/list/latest?page=1&limit=1000")).ShouldSucceed().Ids());
        Assert.Empty((await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{neighbour.Id}")).ShouldSucceed().Ids());
    }

    [Fact]
    public async Task The_development_seed_publishes_sample_blogs_by_the_admin()
    {
        var sample = (await Blog.GetEnvelopeAsync("/blog/slug/welcome-to-gomicro")).ShouldSucceed();
        Assert.Equal(DevelopmentSeed.AdminUserId, sample.Data.GetProperty("author").GetProperty("_id").GetGuid());
        Assert.Equal("Admin", sample.Data.GetProperty("author").GetProperty("name").GetString());
        var similar = (await Blog.GetEnvelopeAsync("/blog/slug/postgresql-full-text-search")).ShouldSucceed();
        var related = (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{similar.Data.GetBlogId()}")).ShouldSucceed();
        Assert.Contains("ranking-search-results-postgresql", related.Data.EnumerateArray().Select(b => b.GetProperty("slug").GetString()));
    }
}
