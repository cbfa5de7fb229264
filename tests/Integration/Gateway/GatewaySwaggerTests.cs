using System.Net;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Gateway;

/// <summary>The gateway serves one Swagger UI under <c>/swagger</c> (a pipeline branch of its own, so proxied requests skip
/// it) with no API key, over both modules' documents, which it proxies.</summary>
[Collection(GatewayTopologyCollection.Name)]
public sealed class GatewaySwaggerTests(GatewayTopology topology)
{
    [Fact]
    public async Task Swagger_ui_is_served_under_swagger_over_both_modules_documents()
    {
        using var client = topology.Gateway.CreateClient();
        using var page = await client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        using var script = await client.GetAsync("/swagger/index.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        var text = await script.Content.ReadAsStringAsync();
        Assert.Contains("/openapi/auth.json", text);
        Assert.Contains("/openapi/blog.json", text);

        using var document = await client.GetAsync("/openapi/blog.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.Contains("/blog/list/latest", await document.Content.ReadAsStringAsync());
    }
}
