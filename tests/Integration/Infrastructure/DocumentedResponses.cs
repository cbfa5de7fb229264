using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// The process's own OpenAPI document as a contract for its answers: which statuses each operation may answer and the
/// JSON schema of each answer's body. A generated client (NSwag, Kiota) decodes bodies by these schemas, so a body that
/// does not match is a bug of the document or of the API. Schemas are evaluated with JsonSchema.Net (OpenAPI 3.1 schemas
/// are JSON Schema 2020-12); <c>$ref</c>s into <c>components.schemas</c> are inlined first.
/// </summary>
public sealed class DocumentedResponses
{
    private readonly List<(HttpMethod Method, Regex Path, int Parameters, JsonObject Responses, string Template)> _operations = [];
    private readonly JsonObject _schemas;

    /// <summary>Reads <paramref name="document"/> (the JSON of <c>/openapi/v1.json</c>).</summary>
    public DocumentedResponses(string document)
    {
        var root = JsonNode.Parse(document)!.AsObject();
        _schemas = root["components"]?["schemas"]?.AsObject() ?? [];
        foreach (var (template, item) in root["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
            {
                if (operation?["responses"] is not JsonObject responses) continue;
                var pattern = "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "$";
                _operations.Add((new HttpMethod(method.ToUpperInvariant()), new Regex(pattern), template.Count(c => c == '{'), responses, template));
            }
    }

    /// <summary>
    /// What is wrong with an answer of <paramref name="status"/> and <paramref name="body"/> to
    /// <paramref name="method"/> <paramref name="path"/> by the document, or null when it conforms or the route is not
    /// in the document (health checks, Swagger UI).
    /// </summary>
    public string? Check(HttpMethod method, string path, HttpStatusCode status, string body)
    {
        var operation = _operations.Where(o => o.Method == method && o.Path.IsMatch(path)).OrderBy(o => o.Parameters).FirstOrDefault();
        if (operation.Responses is null) return null;
        var what = $"{method} {path} ({operation.Template}) answered {(int)status}";
        if (operation.Responses[((int)status).ToString()] is not JsonObject response)
            return $"{what}, which the document does not list (it lists {string.Join(", ", operation.Responses.Select(r => r.Key))})";
        if (response["content"]?["application/json"]?["schema"] is not { } schema)
            return string.IsNullOrEmpty(body) ? null : $"{what} with a JSON body the document does not describe";

        var inlined = Inline(schema, 0);
        var evaluation = JsonSchema.FromText(inlined.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() },
                new Uri($"https://gomicro.test/schemas/{Guid.NewGuid():N}"))
            .Evaluate(JsonDocument.Parse(body).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (evaluation.IsValid) return null;
        var errors = (evaluation.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Take(5);
        return $"{what} with a body that does not match its schema: {string.Join("; ", errors)}";
    }

    private JsonNode Inline(JsonNode node, int depth)
    {
        if (depth > 32) throw new InvalidOperationException("the document's schemas nest deeper than 32 references");
        switch (node)
        {
            case JsonObject obj when obj["$ref"]?.GetValue<string>() is { } reference:
                var name = reference.Split('/')[^1];
                return Inline(_schemas[name] ?? throw new InvalidOperationException($"the document has no schema {name}"), depth + 1);
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj) copy[key] = value is null ? null : Inline(value, depth);
                return copy;
            case JsonArray array:
                return new JsonArray(array.Select(e => e is null ? null : Inline(e, depth)).ToArray());
            default:
                return node.DeepClone();
        }
    }
}

/// <summary>Fails a request whose answer the document does not describe (<see cref="DocumentedResponses"/>): the test that
/// sent it sees an exception naming the route, the status and the mismatch.</summary>
public sealed class DocumentedResponsesCheck(DocumentedResponses document) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (document.Check(request.Method, request.RequestUri!.AbsolutePath, response.StatusCode, body) is { } problem)
            throw new InvalidOperationException($"The OpenAPI document does not describe this answer: {problem}. Body: {body}");
        return response;
    }
}

/// <summary>The monolith whose clients check every answer against the process's own OpenAPI document.</summary>
public sealed class DocumentedMonolithTopology : MonolithTopology
{
    private DocumentedResponses _document = null!;

    /// <inheritdoc />
    protected override async Task StartHostsAsync()
    {
        await base.StartHostsAsync();
        using var client = BlogHost.CreateClient();
        _document = new DocumentedResponses(await client.GetStringAsync("/openapi/v1.json"));
    }

    /// <inheritdoc />
    protected override HttpClient CreateClient(string module) => BlogHost.CreateDefaultClient(new DocumentedResponsesCheck(_document));
}
