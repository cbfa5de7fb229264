using System.Text.Json;
using GoMicro.Integration.Tests.Blog;
using GoMicro.Integration.Tests.Infrastructure;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Comments;

/// <summary>A comment as a test knows it.</summary>
/// <param name="Id">The comment id.</param>
/// <param name="BlogId">Its blog.</param>
/// <param name="Text">Its text as answered (trimmed).</param>
public sealed record TestComment(ObjectId Id, ObjectId BlogId, string Text);

/// <summary>The comment API steps scenarios repeat, each asserting its own success.</summary>
public static class CommentSteps
{
    /// <summary>A text no other test writes.</summary>
    public static string UniqueText() => "A comment " + BlogSteps.UniqueWord();

    /// <summary>POST /blog/comment as <paramref name="writer"/>; asserts success.</summary>
    public static async Task<TestComment> CommentAsync(this Topology topology, TestUser writer, TestBlog blog, string? text = null)
    {
        var created = (await topology.Blog.PostEnvelopeAsync("/blog/comment", new { blogId = blog.Id.ToString(), text = text ?? UniqueText() }, writer.AccessToken))
            .ShouldSucceed("comment created successfully");
        return ToComment(created.Data);
    }

    /// <summary>GET /blog/comments/id/{id} with the API key only.</summary>
    public static Task<Envelope> CommentListAsync(this HttpClient client, TestBlog blog, int page = 1, int limit = 1000) =>
        client.GetEnvelopeAsync($"/blog/comments/id/{blog.Id}?page={page}&limit={limit}");

    /// <summary>The ids of a successful comment list, in order.</summary>
    public static async Task<ObjectId[]> CommentIdsAsync(this HttpClient client, TestBlog blog) =>
        (await client.CommentListAsync(blog)).ShouldSucceed().Data.EnumerateArray().Select(c => c.GetBlogId()).ToArray();

    /// <summary>Reads a <c>Comment</c> shape.</summary>
    public static TestComment ToComment(JsonElement data) =>
        new(data.GetBlogId(), ObjectId.Parse(data.GetProperty("blogId").GetString()!), data.GetProperty("text").GetString()!);

    /// <summary>The comment with <paramref name="id"/> in a list answer, or null.</summary>
    public static JsonElement? Find(this Envelope list, ObjectId id) =>
        list.Data.EnumerateArray().Where(c => c.GetBlogId() == id).Select(c => (JsonElement?)c).FirstOrDefault();
}
