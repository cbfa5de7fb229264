using System.Net;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Blog;

public abstract partial class BlogApiScenarios
{
    // ---- editor ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task An_editor_reads_any_active_blog_with_its_author_from_the_auth_module()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreateAsync(cast.Author);

        var read = (await Blog.GetEnvelopeAsync($"/blog/editor/id/{blog.Id}", cast.Editor.AccessToken)).ShouldSucceed();

        AssertFields(read.Data, PrivateFields);
        Assert.Equal(cast.Author.Id, read.Data.GetProperty("author").GetProperty("_id").GetGuid());
        Assert.Equal(cast.Author.Name, read.Data.GetProperty("author").GetProperty("name").GetString());
        (await Blog.GetEnvelopeAsync($"/blog/editor/id/{ObjectId.Empty}", cast.Editor.AccessToken)).ShouldFail(HttpStatusCode.NotFound, $"{ObjectId.Empty} not found");
    }

    [Fact]
    public async Task Publishing_copies_the_draft_to_the_text_and_unpublishing_returns_it_to_draft_keeping_the_first_publication_time()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreateAsync(cast.Author);
        await topology.SubmitAsync(cast.Author, blog);
        async Task<JsonElement> ReadAsync() => (await Blog.GetEnvelopeAsync($"/blog/editor/id/{blog.Id}", cast.Editor.AccessToken)).ShouldSucceed().Data;

        await topology.PublishAsync(cast.Editor, blog);
        var published = await ReadAsync();
        Assert.Equal((true, false, false), (published.GetProperty("published").GetBoolean(), published.GetProperty("drafted").GetBoolean(), published.GetProperty("submitted").GetBoolean()));
        Assert.Equal(published.GetProperty("draftText").GetString(), published.GetProperty("text").GetString());
        var firstPublication = published.GetProperty("publishedAt").GetDateTimeOffset();

        await topology.UnpublishAsync(cast.Editor, blog);
        var unpublished = await ReadAsync();
        Assert.Equal((false, true, false), (unpublished.GetProperty("published").GetBoolean(), unpublished.GetProperty("drafted").GetBoolean(), unpublished.GetProperty("submitted").GetBoolean()));

        await topology.UpdateAsync(cast.Author, blog, new { draftText = "Second version." });
        await topology.SubmitAsync(cast.Author, blog);
        await topology.PublishAsync(cast.Editor, blog);
        var republished = await ReadAsync();
        Assert.Equal("Second version.", republished.GetProperty("text").GetString());
        Assert.Equal(firstPublication, republished.GetProperty("publishedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Publishing_a_blog_that_is_not_submitted_gets_400()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreateAsync(cast.Author);
        (await Blog.PutEnvelopeAsync($"/blog/editor/publish/id/{blog.Id}", null, cast.Editor.AccessToken))
            .ShouldFail(HttpStatusCode.BadRequest, $"blog for _id {blog.Id} is not submitted");
    }

    [Fact]
    public async Task Publishing_a_published_blog_gets_400_already_published()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreatePublishedAsync(cast);
        (await Blog.PutEnvelopeAsync($"/blog/editor/publish/id/{blog.Id}", null, cast.Editor.AccessToken))
            .ShouldFail(HttpStatusCode.BadRequest, $"blog for _id {blog.Id} is already published");
    }

    [Fact]
    public async Task Publishing_or_unpublishing_an_unknown_or_deleted_blog_gets_404()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var unknown = ObjectId.GenerateNewId();
        (await Blog.PutEnvelopeAsync($"/blog/editor/publish/id/{unknown}", null, cast.Editor.AccessToken))
            .ShouldFail(HttpStatusCode.NotFound, $"blog for _id {unknown} not found");
        var deleted = await topology.CreatePublishedAsync(cast);
        (await Blog.DeleteEnvelopeAsync($"/blog/author/id/{deleted.Id}", cast.Author.AccessToken)).ShouldSucceed("blog deleted successfully");
        (await Blog.PutEnvelopeAsync($"/blog/editor/unpublish/id/{deleted.Id}", null, cast.Editor.AccessToken))
            .ShouldFail(HttpStatusCode.NotFound, $"blog for _id {deleted.Id} not found");
    }

    [Fact]
    public async Task Unpublishing_a_blog_that_is_not_published_gets_400()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreateAsync(cast.Author);
        (await Blog.PutEnvelopeAsync($"/blog/editor/unpublish/id/{blog.Id}", null, cast.Editor.AccessToken))
            .ShouldFail(HttpStatusCode.BadRequest, $"blog for _id {blog.Id} is not published");
    }

    [Fact]
    public async Task The_editor_lists_hold_every_authors_submitted_and_published_blogs()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var otherAuthor = await TestUsers.CreateAsync(topology, "AUTHOR");
        var submitted = await topology.CreateAsync(otherAuthor);
        await topology.SubmitAsync(otherAuthor, submitted);
        var published = await topology.CreatePublishedAsync(cast);
        var draft = await topology.CreateAsync(cast.Author);

        var submittedList = (await Blog.GetEnvelopeAsync("/blog/editor/submitted?page=1&limit=1000", cast.Editor.AccessToken)).ShouldSucceed().Ids();
        var publishedList = (await Blog.GetEnvelopeAsync("/blog/editor/published?page=1&limit=1000", cast.Editor.AccessToken)).ShouldSucceed().Ids();

        Assert.Contains(submitted.Id, submittedList);
        Assert.DoesNotContain(published.Id, submittedList);
        Assert.Contains(published.Id, publishedList);
        Assert.DoesNotContain(submitted.Id, publishedList);
        Assert.DoesNotContain(draft.Id, submittedList.Concat(publishedList));
    }

    [Fact]
    public async Task Two_editors_publishing_one_blog_at_once_give_exactly_one_200_and_one_400()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var secondEditor = await TestUsers.CreateAsync(topology, "EDITOR");
        for (var round = 0; round < 5; round++)
        {
            var blog = await topology.CreateAsync(cast.Author);
            await topology.SubmitAsync(cast.Author, blog);

            var results = await Task.WhenAll(new[] { cast.Editor, secondEditor }.Select(editor =>
                Blog.PutEnvelopeAsync($"/blog/editor/publish/id/{blog.Id}", null, editor.AccessToken)));

            Assert.Single(results, r => r.HttpStatus == HttpStatusCode.OK);
            results.Single(r => r.HttpStatus != HttpStatusCode.OK).ShouldFail(HttpStatusCode.BadRequest, $"blog for _id {blog.Id} is already published");
        }
    }

    [Fact]
    public async Task Two_editors_unpublishing_one_blog_at_once_give_exactly_one_200_and_one_400()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var secondEditor = await TestUsers.CreateAsync(topology, "EDITOR");
        var blog = await topology.CreatePublishedAsync(cast);

        var results = await Task.WhenAll(new[] { cast.Editor, secondEditor }.Select(editor =>
            Blog.PutEnvelopeAsync($"/blog/editor/unpublish/id/{blog.Id}", null, editor.AccessToken)));

        Assert.Single(results, r => r.HttpStatus == HttpStatusCode.OK);
        results.Single(r => r.HttpStatus != HttpStatusCode.OK).ShouldFail(HttpStatusCode.BadRequest, $"blog for _id {blog.Id} is not published");
    }
}
