using System.Net;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Modularity;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>
/// The Blog API of api.md section 4 as a client of the reference system sees it: every route with its exact statuses,
/// texts and shapes, the roles, the validation of ids, slugs, tags and pages, and the concurrency guarantees.
/// Abstract so the same scenarios run on every topology; partial so each feature's scenarios sit in a file of their
/// own (BlogApiScenarios.{Feature}.cs), with the conventions and shared checks here.
/// </summary>
public abstract partial class BlogApiScenarios(Topology topology)
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
}

/// <summary>The Blog scenarios against the monolith with the in-memory cache, every answer checked against its OpenAPI document.</summary>
public sealed class BlogApiOnMonolith(DocumentedMonolithTopology topology) : BlogApiScenarios(topology), IClassFixture<DocumentedMonolithTopology>;

/// <summary>The Blog scenarios against the monolith with Redis as the cache.</summary>
public sealed class BlogApiOnMonolithWithRedis(MonolithWithRedisTopology topology) : BlogApiScenarios(topology), IClassFixture<MonolithWithRedisTopology>;
