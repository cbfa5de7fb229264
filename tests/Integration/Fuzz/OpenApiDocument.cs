using System.Text.Json;

namespace GoMicro.Integration.Tests.Fuzz;

/// <summary>A parameter of an operation as the app's OpenAPI document describes it.</summary>
/// <param name="Name">Its name, e.g. <c>id</c> or <c>page</c>.</param>
/// <param name="In"><c>path</c> or <c>query</c>.</param>
/// <param name="Schema">Its schema.</param>
public sealed record FuzzParameter(string Name, string In, FieldSchema Schema);

/// <summary>What a field's schema says about valid values: enough to build one and to know which changes must fail.</summary>
/// <param name="Type"><c>string</c>, <c>integer</c>, <c>array</c> or <c>object</c>.</param>
/// <param name="Format"><c>email</c>, <c>uri</c>, <c>uuid</c> or null.</param>
/// <param name="MinLength">Least length (strings) or count (arrays).</param>
/// <param name="MaxLength">Largest length (strings) or count (arrays).</param>
/// <param name="Minimum">Least integer.</param>
/// <param name="Maximum">Largest integer.</param>
/// <param name="Pattern">The pattern, when any.</param>
/// <param name="Items">The element schema of an array.</param>
public sealed record FieldSchema(string Type, string? Format, int? MinLength, int? MaxLength, long? Minimum, long? Maximum, string? Pattern, FieldSchema? Items)
{
    /// <summary>Reads a schema object (a <c>$ref</c> is resolved against <paramref name="components"/>).</summary>
    public static FieldSchema Read(JsonElement schema, JsonElement components)
    {
        schema = Resolve(schema, components);
        var type = "object";
        if (schema.TryGetProperty("type", out var t))
            type = t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(e => e.GetString()!).First(s => s != "null") : t.GetString()!;
        return new FieldSchema(type,
            schema.TryGetProperty("format", out var f) ? f.GetString() : null,
            Int(schema, type == "array" ? "minItems" : "minLength"),
            Int(schema, type == "array" ? "maxItems" : "maxLength"),
            Int(schema, "minimum"), Int(schema, "maximum"),
            schema.TryGetProperty("pattern", out var p) ? p.GetString() : null,
            schema.TryGetProperty("items", out var items) ? Read(items, components) : null);
    }

    /// <summary>Follows <c>$ref</c> into <c>components.schemas</c>.</summary>
    public static JsonElement Resolve(JsonElement schema, JsonElement components) =>
        schema.TryGetProperty("$ref", out var reference)
            ? components.GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1])
            : schema;

    private static int? Int(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.Number ? v.GetInt32() : int.Parse(v.GetString()!) : null;
}

/// <summary>One operation of the document: where it is, what it needs, what it takes.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">The path template, e.g. <c>/blog/id/{id}</c>.</param>
/// <param name="NeedsApiKey">Its security lists the API key.</param>
/// <param name="NeedsBearer">Its security lists the Bearer token.</param>
/// <param name="Parameters">Path and query parameters.</param>
/// <param name="Body">The JSON body's properties, when it takes one.</param>
/// <param name="RequiredFields">Body properties the schema requires.</param>
public sealed record FuzzOperation(
    HttpMethod Method, string Path, bool NeedsApiKey, bool NeedsBearer, IReadOnlyList<FuzzParameter> Parameters,
    IReadOnlyDictionary<string, FieldSchema>? Body, IReadOnlySet<string> RequiredFields)
{
    /// <summary>Every operation of the document.</summary>
    public static IReadOnlyList<FuzzOperation> ReadAll(JsonElement document)
    {
        var components = document.GetProperty("components");
        var operations = new List<FuzzOperation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
            {
                var op = operation.Value;
                var schemes = op.TryGetProperty("security", out var security)
                    ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToHashSet()
                    : [];
                var parameters = op.TryGetProperty("parameters", out var ps)
                    ? ps.EnumerateArray().Select(p => new FuzzParameter(p.GetProperty("name").GetString()!, p.GetProperty("in").GetString()!,
                        FieldSchema.Read(p.GetProperty("schema"), components))).ToArray()
                    : [];
                Dictionary<string, FieldSchema>? body = null;
                var required = new HashSet<string>();
                if (op.TryGetProperty("requestBody", out var requestBody))
                {
                    var schema = FieldSchema.Resolve(requestBody.GetProperty("content").GetProperty("application/json").GetProperty("schema"), components);
                    body = schema.GetProperty("properties").EnumerateObject().ToDictionary(p => p.Name, p => FieldSchema.Read(p.Value, components));
                    if (schema.TryGetProperty("required", out var r)) required.UnionWith(r.EnumerateArray().Select(e => e.GetString()!));
                }
                operations.Add(new FuzzOperation(new HttpMethod(operation.Name.ToUpperInvariant()), path.Name,
                    schemes.Contains("ApiKey"), schemes.Contains("Bearer"), parameters, body, required));
            }
        return operations;
    }
}
