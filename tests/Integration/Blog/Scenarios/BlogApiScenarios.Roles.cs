using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Blog;

public abstract partial class BlogApiScenarios
{
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
}
