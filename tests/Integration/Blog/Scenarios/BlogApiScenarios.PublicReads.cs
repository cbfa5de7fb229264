using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Blog;

public abstract partial class BlogApiScenarios
{
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
}
