using System.Net;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>Swagger UI is served under <c>/swagger</c> (a branch of the pipeline of its own) with no API key, and loads the
/// process's OpenAPI document.</summary>
public sealed class ApiDocumentTests(MonolithTopology topology) : IClassFixture<MonolithTopology>
{
    [Fact]
    public async Task Swagger_ui_is_served_under_swagger_without_an_api_key_and_loads_the_document()
    {
        using var page = await topology.Blog.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        using var redirect = await topology.Blog.GetAsync("/swagger");
        Assert.Equal(HttpStatusCode.OK, redirect.StatusCode);
        Assert.EndsWith("/swagger/index.html", redirect.RequestMessage!.RequestUri!.AbsolutePath);

        using var script = await topology.Blog.GetAsync("/swagger/index.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("/openapi/v1.json", await script.Content.ReadAsStringAsync());
    }
}
