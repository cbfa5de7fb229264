using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Blog;

public abstract partial class BlogApiScenarios
{
    // ---- author ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Creating_a_blog_returns_it_drafted_not_submitted_not_published()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var body = BlogSteps.CreateBody();

        var created = (await Blog.PostEnvelopeAsync("/blog/author", body, cast.Author.AccessToken)).ShouldSucceed("blog created successfully");

        var data = created.Data;
        AssertFields(data, PrivateFields);
        var id = data.GetBlogId();
        Assert.InRange(id.CreationTime, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1)); // an ObjectID's time is its creation
        Assert.Equal(body["title"], data.GetProperty("title").GetString());
        Assert.Equal(body["draftText"], data.GetProperty("draftText").GetString());
        Assert.Equal(body["slug"], data.GetProperty("slug").GetString());
        Assert.Equal("https://example.com/cover.png", data.GetProperty("imgUrl").GetString());
        Assert.Equal(0.01, data.GetProperty("score").GetDouble());
        Assert.True(data.GetProperty("drafted").GetBoolean());
        Assert.False(data.GetProperty("submitted").GetBoolean());
        Assert.False(data.GetProperty("published").GetBoolean());
        Assert.Equal(cast.Author.Id, data.GetProperty("author").GetProperty("_id").GetGuid());
        Assert.Equal(data.GetProperty("createdAt").GetDateTimeOffset(), data.GetProperty("updatedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Creating_normalises_the_slug_by_removing_spaces_and_question_marks_and_replacing_slashes()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var word = BlogSteps.UniqueWord();

        var blog = await topology.CreateAsync(cast.Author, BlogSteps.CreateBody(slug: $"my first/post? {word}"));

        Assert.Equal($"myfirst-post{word}", blog.Slug);
        (await Blog.GetEnvelopeAsync($"/blog/author/id/{blog.Id}", cast.Author.AccessToken)).ShouldSucceed();
    }

    [Fact]
    public async Task Creating_with_a_slug_that_is_taken_after_normalisation_gets_400()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var word = BlogSteps.UniqueWord();
        await topology.CreateAsync(cast.Author, BlogSteps.CreateBody(slug: $"taken-{word}"));

        var again = await Blog.PostEnvelopeAsync("/blog/author", BlogSteps.CreateBody(slug: $"taken- {word}?"), cast.Author.AccessToken);

        again.ShouldFail(HttpStatusCode.BadRequest, $"Blog with slug: taken-{word} already exists");
    }

    [Fact]
    public async Task A_slug_that_keeps_fewer_than_3_characters_after_normalisation_gets_400()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var response = await Blog.PostEnvelopeAsync("/blog/author", BlogSteps.CreateBody(slug: "a ? b"), cast.Author.AccessToken);
        response.ShouldFail(HttpStatusCode.BadRequest);
        Assert.Contains("slug", response.Message);
    }

    [Fact]
    public async Task Concurrent_creates_of_one_slug_give_one_200_and_400s_never_a_500()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var slug = "race-" + BlogSteps.UniqueWord();

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Blog.PostEnvelopeAsync("/blog/author", BlogSteps.CreateBody(slug: slug), cast.Author.AccessToken)));

        Assert.Single(results, r => r.HttpStatus == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.HttpStatus != HttpStatusCode.OK),
            r => r.ShouldFail(HttpStatusCode.BadRequest, $"Blog with slug: {slug} already exists"));
        Assert.Equal(1L, await topology.BlogDatabase.ScalarAsync<long>("SELECT count(*) FROM blogs WHERE slug = @s", ("s", slug)));
    }

    [Fact]
    public async Task Creating_with_invalid_fields_gets_400_listing_each_field_and_stores_nothing()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var slug = "bad-" + BlogSteps.UniqueWord();
        var body = new { title = "ab", slug, imgUrl = "/relative/path.png", tags = new[] { "lower" }, draftText = new string('x', 50_001) };

        var response = await Blog.PostEnvelopeAsync("/blog/author", body, cast.Author.AccessToken);

        response.ShouldFail(HttpStatusCode.BadRequest, "title must be at least 3 characters, description is required, " +
            "drafttext must be at most 50000 characters, imgurl is not a valid URL, tags must be uppercase");
        Assert.Equal(0L, await topology.BlogDatabase.ScalarAsync<long>("SELECT count(*) FROM blogs WHERE slug = @s", ("s", slug)));
    }

    [Fact]
    public async Task Creating_without_tags_or_with_an_empty_tag_gets_400()
    {
        var cast = await BlogCast.CreateAsync(topology);
        foreach (var tags in new object[] { Array.Empty<string>(), new[] { "" }, new[] { "OK", "Mixed" } })
        {
            var body = BlogSteps.CreateBody();
            body["tags"] = tags;
            var response = await Blog.PostEnvelopeAsync("/blog/author", body, cast.Author.AccessToken);
            response.ShouldFail(HttpStatusCode.BadRequest);
            Assert.Contains("tags", response.Message);
        }
    }

    [Fact]
    public async Task Updating_changes_only_the_given_fields_and_normalises_a_new_slug()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreateAsync(cast.Author);
        var word = BlogSteps.UniqueWord();

        var updated = await topology.UpdateAsync(cast.Author, blog, new { title = "A new title", slug = $"new slug/{word}", tags = new[] { "NEW" } });

        AssertFields(updated, PrivateFields);
        Assert.Equal("A new title", updated.GetProperty("title").GetString());
        Assert.Equal($"newslug-{word}", updated.GetProperty("slug").GetString());
        Assert.Equal(["NEW"], updated.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("A description of the blog", updated.GetProperty("description").GetString());
        Assert.Equal("The draft text of the blog.", updated.GetProperty("draftText").GetString());
        Assert.True(updated.GetProperty("updatedAt").GetDateTimeOffset() > updated.GetProperty("createdAt").GetDateTimeOffset());
        var read = (await Blog.GetEnvelopeAsync($"/blog/author/id/{blog.Id}", cast.Author.AccessToken)).ShouldSucceed();
        Assert.Equal(updated.GetRawText(), read.Data.GetRawText());
    }

    [Fact]
    public async Task Updating_to_a_slug_another_blog_has_gets_400()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var other = await topology.CreateAsync(cast.Author);
        var blog = await topology.CreateAsync(cast.Author);

        var response = await Blog.PutEnvelopeAsync("/blog/author", new Dictionary<string, object> { ["_id"] = blog.Id.ToString(), ["slug"] = other.Slug }, cast.Author.AccessToken);

        response.ShouldFail(HttpStatusCode.BadRequest, $"Blog with slug: {other.Slug} already exists");
    }

    [Fact]
    public async Task Updating_a_blog_that_is_not_yours_or_is_deleted_gets_404()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var otherAuthor = await TestUsers.CreateAsync(topology, "AUTHOR");
        var blog = await topology.CreateAsync(cast.Author);
        var body = new Dictionary<string, object> { ["_id"] = blog.Id.ToString(), ["title"] = "Taken over" };

        (await Blog.PutEnvelopeAsync("/blog/author", body, otherAuthor.AccessToken))
            .ShouldFail(HttpStatusCode.NotFound, $"Blog with id: {blog.Id} does not exists");
        (await Blog.DeleteEnvelopeAsync($"/blog/author/id/{blog.Id}", cast.Author.AccessToken)).ShouldSucceed("blog deleted successfully");
        (await Blog.PutEnvelopeAsync("/blog/author", body, cast.Author.AccessToken))
            .ShouldFail(HttpStatusCode.NotFound, $"Blog with id: {blog.Id} does not exists");
    }

    [Fact]
    public async Task Updating_without_a_valid_id_gets_400()
    {
        var cast = await BlogCast.CreateAsync(topology);
        (await Blog.PutEnvelopeAsync("/blog/author", new { title = "No id" }, cast.Author.AccessToken))
            .ShouldFail(HttpStatusCode.BadRequest, "_id is required");
        (await Blog.PutEnvelopeAsync("/blog/author", new Dictionary<string, object> { ["_id"] = "nope" }, cast.Author.AccessToken))
            .ShouldFail(HttpStatusCode.BadRequest, "_id must be of length 24");
        var invalid = await Blog.PutEnvelopeAsync("/blog/author",
            new Dictionary<string, object> { ["_id"] = ObjectId.GenerateNewId().ToString(), ["title"] = "x", ["tags"] = Array.Empty<string>() }, cast.Author.AccessToken);
        invalid.ShouldFail(HttpStatusCode.BadRequest, "title must be at least 3 characters, tags must contain at least 1 item");
    }

    [Fact]
    public async Task An_author_reads_their_own_blog_but_not_another_authors()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var otherAuthor = await TestUsers.CreateAsync(topology, "AUTHOR");
        var blog = await topology.CreateAsync(cast.Author);

        var own = (await Blog.GetEnvelopeAsync($"/blog/author/id/{blog.Id}", cast.Author.AccessToken)).ShouldSucceed();
        AssertFields(own.Data, PrivateFields);
        (await Blog.GetEnvelopeAsync($"/blog/author/id/{blog.Id}", otherAuthor.AccessToken)).ShouldFail(HttpStatusCode.NotFound, $"{blog.Id} not found");
        (await Blog.GetEnvelopeAsync($"/blog/author/id/{ObjectId.Empty}", cast.Author.AccessToken)).ShouldFail(HttpStatusCode.NotFound, $"{ObjectId.Empty} not found");
    }

    [Fact]
    public async Task Deleting_a_blog_hides_it_everywhere_and_a_second_delete_gets_404()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var otherAuthor = await TestUsers.CreateAsync(topology, "AUTHOR");
        var blog = await topology.CreatePublishedAsync(cast);

        (await Blog.DeleteEnvelopeAsync($"/blog/author/id/{blog.Id}", otherAuthor.AccessToken)).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.DeleteEnvelopeAsync($"/blog/author/id/{blog.Id}", cast.Author.AccessToken)).ShouldSucceed("blog deleted successfully");
        (await Blog.DeleteEnvelopeAsync($"/blog/author/id/{blog.Id}", cast.Author.AccessToken)).ShouldFail(HttpStatusCode.NotFound, "blog not found");

        (await Blog.GetEnvelopeAsync($"/blog/author/id/{blog.Id}", cast.Author.AccessToken)).ShouldFail(HttpStatusCode.NotFound, $"{blog.Id} not found");
        (await Blog.GetEnvelopeAsync($"/blog/editor/id/{blog.Id}", cast.Editor.AccessToken)).ShouldFail(HttpStatusCode.NotFound, $"{blog.Id} not found");
        (await Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        Assert.DoesNotContain(blog.Id, (await Blog.GetEnvelopeAsync("/blog/author/published?page=1&limit=100", cast.Author.AccessToken)).ShouldSucceed().Ids());
        Assert.False(await topology.BlogDatabase.ScalarAsync<bool>("SELECT status FROM blogs WHERE id = @id", ("id", blog.Id.ToByteArray())), "soft delete keeps the row");
    }

    [Fact]
    public async Task Submitting_and_withdrawing_move_a_blog_between_the_authors_lists()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreateAsync(cast.Author);
        async Task AssertListsAsync(bool submitted)
        {
            var drafts = (await Blog.GetEnvelopeAsync("/blog/author/drafts?page=1&limit=100", cast.Author.AccessToken)).ShouldSucceed().Ids();
            var waiting = (await Blog.GetEnvelopeAsync("/blog/author/submitted?page=1&limit=100", cast.Author.AccessToken)).ShouldSucceed().Ids();
            Assert.Equal([blog.Id], drafts);   // still a draft while submitted: only publishing ends that
            Assert.Equal(submitted ? [blog.Id] : [], waiting);
            var read = (await Blog.GetEnvelopeAsync($"/blog/author/id/{blog.Id}", cast.Author.AccessToken)).ShouldSucceed();
            Assert.Equal(submitted, read.Data.GetProperty("submitted").GetBoolean());
        }

        await AssertListsAsync(submitted: false);
        (await Blog.PutEnvelopeAsync($"/blog/author/submit/id/{blog.Id}", null, cast.Author.AccessToken)).ShouldSucceed("blog submitted successfully");
        await AssertListsAsync(submitted: true);
        (await Blog.PutEnvelopeAsync($"/blog/author/withdraw/id/{blog.Id}", null, cast.Author.AccessToken)).ShouldSucceed("blog withdrawn successfully");
        await AssertListsAsync(submitted: false);
    }

    [Fact]
    public async Task Submitting_or_withdrawing_a_blog_that_is_not_yours_gets_404()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var otherAuthor = await TestUsers.CreateAsync(topology, "AUTHOR");
        var blog = await topology.CreateAsync(cast.Author);

        (await Blog.PutEnvelopeAsync($"/blog/author/submit/id/{blog.Id}", null, otherAuthor.AccessToken)).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.PutEnvelopeAsync($"/blog/author/withdraw/id/{blog.Id}", null, otherAuthor.AccessToken)).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.PutEnvelopeAsync($"/blog/author/submit/id/{ObjectId.GenerateNewId()}", null, cast.Author.AccessToken)).ShouldFail(HttpStatusCode.NotFound, "blog not found");
    }

    [Fact]
    public async Task An_authors_lists_hold_only_their_own_blogs_in_that_state()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var otherAuthor = await TestUsers.CreateAsync(topology, "AUTHOR");
        var draft = await topology.CreateAsync(cast.Author);
        var submitted = await topology.CreateAsync(cast.Author);
        await topology.SubmitAsync(cast.Author, submitted);
        var published = await topology.CreatePublishedAsync(cast);
        await topology.CreateAsync(otherAuthor);

        async Task<ObjectId[]> ListAsync(string state) =>
            (await Blog.GetEnvelopeAsync($"/blog/author/{state}?page=1&limit=100", cast.Author.AccessToken)).ShouldSucceed().Ids();

        Assert.Equal([submitted.Id, draft.Id], await ListAsync("drafts"));   // a submitted blog is still a draft until published
        Assert.Equal([submitted.Id], await ListAsync("submitted"));
        Assert.Equal([published.Id], await ListAsync("published"));
    }
}
