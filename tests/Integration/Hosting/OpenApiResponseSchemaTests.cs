using System.Net;
using System.Text.Json.Nodes;
using GoMicro.Integration.Tests.Blog;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>
/// The document describes what the API really answers: ids are strings with their pattern, and the check that the Auth
/// and Blog scenario suites run on every answer (<see cref="DocumentedMonolithTopology"/>) fails on a body or a status
/// the document does not describe.
/// </summary>
public sealed class OpenApiResponseSchemaTests(MonolithTopology topology) : IClassFixture<MonolithTopology>
{
    private async Task<JsonObject> DocumentAsync() =>
        JsonNode.Parse(await topology.Blog.GetStringAsync("/openapi/v1.json"))!.AsObject();

    [Fact]
    public async Task Every_id_named_underscore_id_is_a_string_with_its_pattern()
    {
        var schemas = (await DocumentAsync())["components"]!["schemas"]!.AsObject();
        var ids = schemas
            .Where(s => s.Value?["properties"]?["_id"] is not null)
            .Select(s => (Schema: s.Key, Id: Resolve(schemas, s.Value!["properties"]!["_id"]!)))
            .ToArray();

        Assert.NotEmpty(ids);
        Assert.All(ids, id =>
        {
            Assert.True(id.Id["type"]?.ToJsonString() is "\"string\"" or "[\"null\",\"string\"]" or "[\"string\",\"null\"]",
                $"{id.Schema}._id is {id.Id.ToJsonString()}");
            Assert.True(id.Id["pattern"] is not null || id.Id["format"]?.GetValue<string>() == "uuid", $"{id.Schema}._id has no pattern: {id.Id.ToJsonString()}");
        });
        Assert.Equal("^[0-9a-fA-F]{24}$", Resolve(schemas, schemas["PublicBlog"]!["properties"]!["_id"]!)["pattern"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_check_refuses_a_blog_whose_id_is_an_object_and_a_status_the_document_does_not_list()
    {
        var document = new DocumentedResponses(await topology.Blog.GetStringAsync("/openapi/v1.json"));
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreatePublishedAsync(cast);
        var path = $"/blog/id/{blog.Id}";
        var answer = (await topology.Blog.GetEnvelopeAsync(path)).ShouldSucceed();
        Assert.Null(document.Check(HttpMethod.Get, path, HttpStatusCode.OK, answer.Raw));

        // The shape the document used to promise (the ObjectId struct's properties), which no client could decode into.
        var body = JsonNode.Parse(answer.Raw)!;
        body["data"]!["_id"] = new JsonObject { ["timestamp"] = 1, ["creationTime"] = "2026-01-01T00:00:00Z" };
        Assert.Contains("does not match its schema", document.Check(HttpMethod.Get, path, HttpStatusCode.OK, body.ToJsonString()));

        Assert.Contains("does not list", document.Check(HttpMethod.Get, path, HttpStatusCode.Conflict, answer.Raw));
    }

    private static JsonNode Resolve(JsonObject schemas, JsonNode schema) =>
        schema["$ref"]?.GetValue<string>() is { } reference ? Resolve(schemas, schemas[reference.Split('/')[^1]]!) : schema;
}
