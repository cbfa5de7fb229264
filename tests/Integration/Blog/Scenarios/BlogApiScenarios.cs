using System.Net;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Modularity;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>
/// The Blog API of api.md section 4 as a client of the reference system sees it: every route with its exact statuses,
/// texts and shapes, the roles, the validation of ids, slugs, tags and pages, and the concurrency guarantees.
/// Abstract so the same scenarios run on every topology.
/// </summary>
public abstract class BlogApiScenarios(Topology topology)
{
    private HttpClient Blog => topology.Blog;

    private static readonly string[] PrivateFields =
        ["_id", "title", "description", "draftText", "slug", "author", "imgUrl", "score", "tags", "submitted", "drafted", "published", "createdAt", "updatedAt"];
    private static readonly string[] PublicFields = ["_id", "title", "description", "text", "slug", "author", "imgUrl", "score", "tags", "publishedAt"];
    private static readonly string[] ItemFields = ["_id", "title", "description", "slug", "imgUrl", "score", "tags"];

    private static void AssertFields(JsonElement element, IEnumerable<string> expected) =>
        Assert.Equal(expected.Order(), element.EnumerateObject().Select(p => p.Name).Order());

    private Task<TestUser> AdminAsync() => TestUsers.SignInAsync(topology, DevelopmentSeed.AdminEmail, DevelopmentSeed.AdminPassword);

    // ---- conventions -------------------------------------------------------------------------------------------

    [Fact]
    public async Task Health_answers_without_an_api_key_in_the_reference_shape()
    {
        var health = (await Blog.SendAsync(HttpMethod.Get, "/blog/health", apiKey: null)).ShouldSucceed();
        Assert.Equal("OK", health.Data.GetProperty("status").GetString());
        Assert.True(health.Data.GetProperty("timestamp").TryGetDateTimeOffset(out _));
    }

    [Fact]
    public async Task A_blog_route_without_an_api_key_gets_401()
    {
        (await Blog.SendAsync(HttpMethod.Get, "/blog/list/latest?page=1&limit=10", apiKey: null))
            .ShouldFail(HttpStatusCode.Unauthorized, topology.MissingApiKeyMessage);
    }

    [Fact]
    public async Task An_unknown_blog_route_gets_404_url_not_found()
    {
        (await Blog.GetEnvelopeAsync("/blog/no/such/route")).ShouldFail(HttpStatusCode.NotFound, "url not found");
    }

    // ---- public reads ------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_published_blog_is_read_by_id_in_the_public_shape_with_its_author()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreatePublishedAsync(cast);

        var read = (await Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldSucceed();

        AssertFields(read.Data, PublicFields);
        Assert.Equal(blog.Id, read.Data.GetBlogId());
        Assert.Equal(blog.Title, read.Data.GetProperty("title").GetString());
        Assert.Equal("The draft text of the blog.", read.Data.GetProperty("text").GetString());
        Assert.Equal(0.01, read.Data.GetProperty("score").GetDouble());
        Assert.Equal(["TESTING", "DOTNET"], read.Data.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var author = read.Data.GetProperty("author");
        AssertFields(author, ["_id", "name"]);
        Assert.Equal(cast.Author.Id, author.GetProperty("_id").GetGuid());
        Assert.Equal(cast.Author.Name, author.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_published_blog_is_read_by_slug()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreatePublishedAsync(cast);

        var read = (await Blog.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).ShouldSucceed();

        AssertFields(read.Data, PublicFields);
        Assert.Equal(blog.Id, read.Data.GetBlogId());
    }

    [Fact]
    public async Task An_unpublished_blog_is_not_found_by_id_or_slug()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreateAsync(cast.Author);
        await topology.SubmitAsync(cast.Author, blog);

        (await Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
    }

    [Fact]
    public async Task An_unknown_id_or_slug_gets_404_blog_not_found()
    {
        (await Blog.GetEnvelopeAsync($"/blog/id/{ObjectId.GenerateNewId()}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.GetEnvelopeAsync($"/blog/slug/no-such-{BlogSteps.UniqueWord()}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
    }

    public static TheoryData<string, string> IdRoutes => new()
    {
        { "GET", "/blog/id/{0}" },
        { "GET", "/blog/list/similar/id/{0}" },
        { "GET", "/blog/author/id/{0}" },
        { "DELETE", "/blog/author/id/{0}" },
        { "PUT", "/blog/author/submit/id/{0}" },
        { "PUT", "/blog/author/withdraw/id/{0}" },
        { "GET", "/blog/editor/id/{0}" },
        { "PUT", "/blog/editor/publish/id/{0}" },
        { "PUT", "/blog/editor/unpublish/id/{0}" },
    };

    [Theory]
    [MemberData(nameof(IdRoutes))]
    public async Task An_id_that_is_not_24_hex_digits_gets_400_with_the_references_text(string method, string route)
    {
        var admin = await AdminAsync();
        foreach (var wrongLength in new[] { "not-an-objectid", Guid.NewGuid().ToString(), ObjectId.GenerateNewId() + "0" })
            (await Blog.SendAsync(new HttpMethod(method), string.Format(route, wrongLength), accessToken: admin.AccessToken))
                .ShouldFail(HttpStatusCode.BadRequest, "id must be of length 24");
        (await Blog.SendAsync(new HttpMethod(method), string.Format(route, "zzzzzzzzzzzzzzzzzzzzzzzz"), accessToken: admin.AccessToken))
            .ShouldFail(HttpStatusCode.BadRequest, "id is invalid");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(201)]
    public async Task A_slug_outside_3_to_200_characters_gets_400(int length)
    {
        var response = await Blog.GetEnvelopeAsync($"/blog/slug/{new string('s', length)}");
        response.ShouldFail(HttpStatusCode.BadRequest);
        Assert.Contains("slug", response.Message);
    }

    [Fact]
    public async Task A_slug_of_3_and_of_200_characters_is_looked_up()
    {
        (await Blog.GetEnvelopeAsync("/blog/slug/sss")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.GetEnvelopeAsync($"/blog/slug/{new string('s', 200)}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
    }

    [Fact]
    public async Task A_tag_that_is_not_upper_case_gets_400()
    {
        (await Blog.GetEnvelopeAsync("/blog/list/tag/DotNet?page=1&limit=10")).ShouldFail(HttpStatusCode.BadRequest, "tag must be uppercase");
    }

    // ---- lists and pagination ----------------------------------------------------------------------------------

    private static readonly string[] PagedRoutes =
    [
        "/blog/list/latest", "/blog/list/tag/DOTNET", "/blog/author/drafts", "/blog/author/submitted", "/blog/author/published",
        "/blog/editor/submitted", "/blog/editor/published",
    ];

    public static TheoryData<string, string> BadPages => new()
    {
        { "page=0&limit=10", "page must be greater than or equal to 1" },
        { "page=1001&limit=10", "page must be less than or equal to 1000" },
        { "page=1&limit=0", "limit must be greater than or equal to 1" },
        { "page=1&limit=1001", "limit must be less than or equal to 1000" },
        { "limit=10", "page is required" },
        { "page=1", "limit is required" },
        { "page=abc&limit=10", "page must be an integer" },
        { "page=1&limit=1.5", "limit must be an integer" },
        { "page=-1&limit=10", "page must be an integer" },
        { "page=99999999999&limit=10", "page must be less than or equal to 1000" },
    };

    [Theory]
    [MemberData(nameof(BadPages))]
    public async Task A_page_or_limit_missing_out_of_1_to_1000_or_not_an_integer_gets_400_on_every_list(string query, string message)
    {
        var admin = await AdminAsync();
        foreach (var route in PagedRoutes)
            (await Blog.GetEnvelopeAsync($"{route}?{query}", admin.AccessToken)).ShouldFail(HttpStatusCode.BadRequest, message);
    }

    [Fact]
    public async Task A_list_without_any_query_reports_both_fields()
    {
        var response = await Blog.GetEnvelopeAsync("/blog/list/latest");
        response.ShouldFail(HttpStatusCode.BadRequest, "page is required, limit is required");
    }

    [Fact]
    public async Task Page_and_limit_of_1_and_of_1000_are_accepted_on_every_list()
    {
        var admin = await AdminAsync();
        foreach (var route in PagedRoutes)
        {
            (await Blog.GetEnvelopeAsync($"{route}?page=1&limit=1", admin.AccessToken)).ShouldSucceed();
            (await Blog.GetEnvelopeAsync($"{route}?page=1000&limit=1000", admin.AccessToken)).ShouldSucceed();
        }
    }

    [Fact]
    public async Task Pages_split_a_list_newest_first_without_overlap()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var first = await topology.CreateAsync(cast.Author);
        var second = await topology.CreateAsync(cast.Author);
        var third = await topology.CreateAsync(cast.Author);

        var page1 = (await Blog.GetEnvelopeAsync("/blog/author/drafts?page=1&limit=2", cast.Author.AccessToken)).ShouldSucceed();
        var page2 = (await Blog.GetEnvelopeAsync("/blog/author/drafts?page=2&limit=2", cast.Author.AccessToken)).ShouldSucceed();

        Assert.Equal([third.Id, second.Id], page1.Ids());
        Assert.Equal([first.Id], page2.Ids());
        AssertFields(page1.Data[0], ItemFields);
    }

    [Fact]
    public async Task Latest_lists_published_active_blogs_most_recently_changed_first()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var older = await topology.CreatePublishedAsync(cast);
        var newer = await topology.CreatePublishedAsync(cast);
        var draft = await topology.CreateAsync(cast.Author);

        var latest = (await Blog.GetEnvelopeAsync("/blog/list/latest?page=1&limit=1000")).ShouldSucceed();

        var ids = latest.Ids().ToList();
        Assert.Contains(older.Id, ids);
        Assert.True(ids.IndexOf(newer.Id) == ids.IndexOf(older.Id) - 1, "the newer blog comes right before the older one");
        Assert.DoesNotContain(draft.Id, ids);
        AssertFields(latest.Data[0], ItemFields);
    }

    [Fact]
    public async Task The_tag_list_holds_only_published_blogs_with_that_tag()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var tag = BlogSteps.UniqueWord().ToUpperInvariant();
        var tagged = BlogSteps.CreateBody();
        tagged["tags"] = new[] { "OTHER", tag };
        var match = await topology.CreatePublishedAsync(cast, tagged);
        await topology.CreatePublishedAsync(cast);
        var unpublishedBody = BlogSteps.CreateBody();
        unpublishedBody["tags"] = new[] { tag };
        await topology.CreateAsync(cast.Author, unpublishedBody);

        var list = (await Blog.GetEnvelopeAsync($"/blog/list/tag/{tag}?page=1&limit=10")).ShouldSucceed();

        Assert.Equal([match.Id], list.Ids());
    }

    [Fact]
    public async Task Similar_lists_published_blogs_sharing_title_words_best_match_first_without_the_source()
    {
        var cast = await BlogCast.CreateAsync(topology);
        string w1 = BlogSteps.UniqueWord(), w2 = BlogSteps.UniqueWord(), w3 = BlogSteps.UniqueWord();
        var source = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"{w1} {w2} {w3}"));
        var titleBoth = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"About {w1} and {w2}"));
        var titleOne = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"Only {w3} here"));
        var descriptionOne = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: "Unrelated title", description: $"Mentions {w1} once"));
        await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: "Nothing in common"));
        await topology.CreateAsync(cast.Author, BlogSteps.CreateBody(title: $"{w1} {w2} {w3} draft"));

        var similar = (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{source.Id}")).ShouldSucceed();

        // Two title words outrank one; a title word outranks a description word (weights 3 and 1).
        Assert.Equal([titleBoth.Id, titleOne.Id, descriptionOne.Id], similar.Ids());
        AssertFields(similar.Data[0], ItemFields);
    }

    [Fact]
    public async Task Similar_returns_at_most_six_blogs_newest_first_among_equals()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var word = BlogSteps.UniqueWord();
        var source = await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"The {word} source"));
        var matches = new List<TestBlog>();
        for (var i = 0; i < 7; i++) matches.Add(await topology.CreatePublishedAsync(cast, BlogSteps.CreateBody(title: $"Same {word} title")));

        var similar = (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{source.Id}")).ShouldSucceed();

        Assert.Equal(matches.Select(m => m.Id).Reverse().Take(6), similar.Ids());
    }

    [Fact]
    public async Task Similar_of_a_blog_that_is_not_published_gets_404_blog_not_found()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var draft = await topology.CreateAsync(cast.Author);

        (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{draft.Id}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{ObjectId.GenerateNewId()}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
    }

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

    // ---- roles -------------------------------------------------------------------------------------------------

    public static TheoryData<string, string> AuthorRoutes => new()
    {
        { "POST", "/blog/author" }, { "PUT", "/blog/author" }, { "GET", "/blog/author/id/{0}" }, { "DELETE", "/blog/author/id/{0}" },
        { "PUT", "/blog/author/submit/id/{0}" }, { "PUT", "/blog/author/withdraw/id/{0}" },
        { "GET", "/blog/author/drafts?page=1&limit=10" }, { "GET", "/blog/author/submitted?page=1&limit=10" }, { "GET", "/blog/author/published?page=1&limit=10" },
    };

    public static TheoryData<string, string> EditorRoutes => new()
    {
        { "GET", "/blog/editor/id/{0}" }, { "PUT", "/blog/editor/publish/id/{0}" }, { "PUT", "/blog/editor/unpublish/id/{0}" },
        { "GET", "/blog/editor/submitted?page=1&limit=10" }, { "GET", "/blog/editor/published?page=1&limit=10" },
    };

    private static IEnumerable<(string Method, string Path)> Routes(TheoryData<string, string> data) =>
        data.Select(row => ((string)row[0], string.Format((string)row[1], ObjectId.GenerateNewId())));

    [Fact]
    public async Task A_learner_gets_403_on_every_author_and_editor_route()
    {
        var learner = await TestUsers.CreateAsync(topology);
        foreach (var (method, path) in Routes(AuthorRoutes).Concat(Routes(EditorRoutes)))
        {
            var body = method is "POST" or "PUT" ? BlogSteps.CreateBody() : null;
            (await Blog.SendAsync(new HttpMethod(method), path, body, learner.AccessToken))
                .ShouldFail(HttpStatusCode.Forbidden, "permission denied: does not have suffient role");
        }
    }

    [Fact]
    public async Task An_author_gets_403_on_every_editor_route_and_an_editor_on_every_author_route()
    {
        var cast = await BlogCast.CreateAsync(topology);
        foreach (var (method, path) in Routes(EditorRoutes))
            (await Blog.SendAsync(new HttpMethod(method), path, accessToken: cast.Author.AccessToken))
                .ShouldFail(HttpStatusCode.Forbidden, "permission denied: does not have suffient role");
        foreach (var (method, path) in Routes(AuthorRoutes))
            (await Blog.SendAsync(new HttpMethod(method), path, method is "POST" or "PUT" ? BlogSteps.CreateBody() : null, cast.Editor.AccessToken))
                .ShouldFail(HttpStatusCode.Forbidden, "permission denied: does not have suffient role");
    }

    [Fact]
    public async Task Author_and_editor_routes_without_a_token_get_401()
    {
        foreach (var (method, path) in Routes(AuthorRoutes).Concat(Routes(EditorRoutes)))
            (await Blog.SendAsync(new HttpMethod(method), path))
                .ShouldFail(HttpStatusCode.Unauthorized, "permission denied: missing Authorization");
        (await Blog.SendAsync(HttpMethod.Get, "/blog/author/drafts?page=1&limit=1", headers: new Dictionary<string, string> { ["Authorization"] = "Basic abc" }))
            .ShouldFail(HttpStatusCode.Unauthorized, "permission denied: invalid Authorization");
    }

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

/// <summary>The Blog scenarios against the monolith with the in-memory cache, every answer checked against its OpenAPI document.</summary>
public sealed class BlogApiOnMonolith(DocumentedMonolithTopology topology) : BlogApiScenarios(topology), IClassFixture<DocumentedMonolithTopology>;

/// <summary>The Blog scenarios against the monolith with Redis as the cache.</summary>
public sealed class BlogApiOnMonolithWithRedis(MonolithWithRedisTopology topology) : BlogApiScenarios(topology), IClassFixture<MonolithWithRedisTopology>;
