using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Blog;

public abstract partial class BlogApiScenarios
{
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
}
