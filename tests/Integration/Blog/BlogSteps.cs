using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Contracts.Auth;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>A blog as a test knows it: its id and slug, and the values it was created with.</summary>
/// <param name="Id">The blog id.</param>
/// <param name="Slug">The stored (normalised) slug.</param>
/// <param name="Title">The title.</param>
public sealed record TestBlog(ObjectId Id, string Slug, string Title);

/// <summary>The people of a blog scenario: an author, an editor and a learner, each with a fresh session.</summary>
/// <param name="Author">Holds AUTHOR.</param>
/// <param name="Editor">Holds EDITOR.</param>
/// <param name="Learner">Holds only LEARNER.</param>
public sealed record BlogCast(TestUser Author, TestUser Editor, TestUser Learner)
{
    /// <summary>Signs up the three users and grants their roles.</summary>
    public static async Task<BlogCast> CreateAsync(Topology topology)
    {
        var users = await Task.WhenAll(
            TestUsers.CreateAsync(topology, RoleCodes.Author),
            TestUsers.CreateAsync(topology, RoleCodes.Editor),
            TestUsers.CreateAsync(topology));
        return new BlogCast(users[0], users[1], users[2]);
    }
}

/// <summary>The Blog API steps scenarios repeat, each asserting its own success.</summary>
public static class BlogSteps
{
    /// <summary>A word no seeded or other test blog contains, so full-text similarity in a test is under its control.</summary>
    public static string UniqueWord() => "w" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>A valid create body; <paramref name="title"/> and <paramref name="slug"/> default to unique values.</summary>
    public static Dictionary<string, object?> CreateBody(string? title = null, string? slug = null, string? description = null) => new()
    {
        ["title"] = title ?? "A title " + UniqueWord(),
        ["description"] = description ?? "A description of the blog",
        ["draftText"] = "The draft text of the blog.",
        ["slug"] = slug ?? "slug-" + UniqueWord(),
        ["imgUrl"] = "https://example.com/cover.png",
        ["tags"] = new[] { "TESTING", "DOTNET" },
    };

    /// <summary>POST /blog/author as <paramref name="author"/>; asserts success.</summary>
    public static async Task<TestBlog> CreateAsync(this Topology topology, TestUser author, Dictionary<string, object?>? body = null)
    {
        body ??= CreateBody();
        var created = (await topology.Blog.PostEnvelopeAsync("/blog/author", body, author.AccessToken)).ShouldSucceed("blog created successfully");
        return ToBlog(created.Data);
    }

    /// <summary>Creates, submits and publishes a blog; asserts each step.</summary>
    public static async Task<TestBlog> CreatePublishedAsync(this Topology topology, BlogCast cast, Dictionary<string, object?>? body = null)
    {
        var blog = await topology.CreateAsync(cast.Author, body);
        await topology.SubmitAsync(cast.Author, blog);
        await topology.PublishAsync(cast.Editor, blog);
        return blog;
    }

    /// <summary>PUT /blog/author/submit/id/{id}; asserts success.</summary>
    public static async Task SubmitAsync(this Topology topology, TestUser author, TestBlog blog) =>
        (await topology.Blog.PutEnvelopeAsync($"/blog/author/submit/id/{blog.Id}", null, author.AccessToken)).ShouldSucceed("blog submitted successfully");

    /// <summary>PUT /blog/editor/publish/id/{id}; asserts success.</summary>
    public static async Task PublishAsync(this Topology topology, TestUser editor, TestBlog blog) =>
        (await topology.Blog.PutEnvelopeAsync($"/blog/editor/publish/id/{blog.Id}", null, editor.AccessToken)).ShouldSucceed("blog published successfully");

    /// <summary>PUT /blog/editor/unpublish/id/{id}; asserts success.</summary>
    public static async Task UnpublishAsync(this Topology topology, TestUser editor, TestBlog blog) =>
        (await topology.Blog.PutEnvelopeAsync($"/blog/editor/unpublish/id/{blog.Id}", null, editor.AccessToken)).ShouldSucceed("blog unpublished successfully");

    /// <summary>PUT /blog/author with <paramref name="changes"/>; asserts success and returns the private view.</summary>
    public static async Task<JsonElement> UpdateAsync(this Topology topology, TestUser author, TestBlog blog, object changes)
    {
        var body = JsonSerializer.SerializeToNode(changes, ApiClient.Json)!.AsObject();
        body["_id"] = blog.Id.ToString();
        return (await topology.Blog.PutEnvelopeAsync("/blog/author", body, author.AccessToken)).ShouldSucceed("blog updated successfully").Data;
    }

    /// <summary>The ids in a list answer, in order.</summary>
    public static ObjectId[] Ids(this Envelope list) => list.Data.EnumerateArray().Select(b => b.GetBlogId()).ToArray();

    /// <summary>The <c>_id</c> of a blog shape: it must be 24 hex digits, as the reference's ObjectIDs are.</summary>
    public static ObjectId GetBlogId(this JsonElement blog)
    {
        var text = blog.GetProperty("_id").GetString()!;
        Assert.Matches("^[0-9a-f]{24}$", text);
        return ObjectId.Parse(text);
    }

    /// <summary>Reads the blog from a PrivateBlog or PublicBlog answer.</summary>
    public static TestBlog ToBlog(JsonElement data) =>
        new(data.GetBlogId(), data.GetProperty("slug").GetString()!, data.GetProperty("title").GetString()!);
}
