using System.Text;
using System.Text.Json.Nodes;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Fuzz;

/// <summary>Which answers a fuzz case allows (never a 5xx).</summary>
/// <param name="Statuses">Exactly these statuses; null allows any 2xx or 4xx.</param>
/// <param name="RejectionOnly">No 2xx: the input is invalid, so the answer must be a 4xx.</param>
public sealed record Expectation(int[]? Statuses, bool RejectionOnly)
{
    /// <summary>Any 2xx or 4xx: the input may be acceptable.</summary>
    public static readonly Expectation AnyAnswer = new(null, false);
    /// <summary>Any 4xx.</summary>
    public static readonly Expectation Rejected = new(null, true);
    /// <summary>Exactly <paramref name="statuses"/>.</summary>
    public static Expectation Exactly(params int[] statuses) => new(statuses, true);

    /// <summary>True when <paramref name="status"/> is allowed.</summary>
    public bool Allows(int status) => status < 500
        && (Statuses is null ? status is >= 200 and < 300 && !RejectionOnly || status is >= 400 and < 500 : Statuses.Contains(status));
}

/// <summary>One request of the corpus.</summary>
/// <param name="Operation"><c>METHOD /path/template</c> of the operation it targets.</param>
/// <param name="Kind">What is wrong with it, e.g. <c>body.email=NUL</c>.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="PathAndQuery">Already percent-encoded path and query.</param>
/// <param name="Headers">Request headers.</param>
/// <param name="Body">Body bytes, or null for none.</param>
/// <param name="ContentType">Content-Type of the body; null sends none.</param>
/// <param name="Chunked">Send the body with chunked transfer encoding (no Content-Length).</param>
/// <param name="Expected">The answers it may get.</param>
public sealed record FuzzCase(
    string Operation, string Kind, HttpMethod Method, string PathAndQuery, IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[]? Body, string? ContentType, bool Chunked, Expectation Expected);

/// <summary>Values the corpus needs that only a running system has: a key, a signed-in user and their blog.</summary>
/// <param name="ApiKey">A valid API key.</param>
/// <param name="AccessToken">An access token of a user with AUTHOR and EDITOR.</param>
/// <param name="RefreshToken">That session's refresh token (a valid JWT that is not an access token).</param>
/// <param name="UserId">That user's id.</param>
/// <param name="BlogId">A blog of that user.</param>
/// <param name="Slug">That blog's slug.</param>
public sealed record FuzzTargets(string ApiKey, string AccessToken, string RefreshToken, Guid UserId, ObjectId BlogId, string Slug);

/// <summary>
/// Builds, for every operation of the OpenAPI document, a valid request from the document's schemas and then one bad
/// variant per corpus entry: broken credentials, odd path values, bad paging, malformed and mistyped JSON, missing,
/// null, mistyped, empty, whitespace, control, bidi, lone-surrogate and oversized fields, extra fields, wrong content
/// types, oversized bodies, a wrong method and huge headers. New routes are covered because the document lists them.
/// </summary>
public static class FuzzCorpus
{
    private const string Placeholder = "\"__FUZZ_VALUE__\"";
    private static int _counter;
    private static ObjectId _blogId;

    /// <summary>JSON literals that every string field must refuse with 400.</summary>
    private static readonly (string Kind, string Json)[] ForbiddenStrings =
    [
        ("NUL", "\"\\u0000\""), ("NUL-inside", "\"abc\\u0000def\""), ("SOH", "\"abc\\u0001def\""), ("ESC", "\"\\u001b[31mred\""),
        ("DEL", "\"abc\\u007fdef\""), ("NEL", "\"abc\\u0085def\""), ("RLO", "\"\\u202eabcdef\""), ("LRI", "\"abc\\u2066def\""),
        ("lone-high-surrogate", "\"abc\\ud800\""), ("lone-low-surrogate", "\"\\udc00abc\""), ("100KB", $"\"{new string('x', 100_000)}\""),
        ("U+FFFF", "\"abc\\uffffdef\""),
    ];

    /// <summary>JSON literals of odd but possibly acceptable text.</summary>
    private static readonly (string Kind, string Json)[] OddStrings =
    [
        ("empty", "\"\""), ("whitespace", "\"   \""), ("tab-newline", "\"\\t\\n\""), ("5000-chars", $"\"{new string('y', 5000)}\""),
        ("dotted-I", "\"\\u0130nci\""), ("emoji", "\"\\ud83d\\ude00 fun\""), ("sql", "\"' OR '1'='1\""), ("html", "\"<script>alert(1)</script>\""),
        ("nbsp-padded", "\"\\u00a0abc\\u00a0\""), ("zero-width", "\"abc\\u200bdef\""),
    ];

    /// <summary>JSON values of another type than a string.</summary>
    private static readonly (string Kind, string Json)[] NotStrings =
        [("number", "42"), ("float", "1.5"), ("true", "true"), ("object", "{\"a\":1}"), ("array", "[\"x\"]"), ("empty-array", "[]")];

    /// <summary>Bodies that are not a JSON object.</summary>
    private static readonly (string Kind, byte[] Bytes)[] MalformedBodies =
    [
        ("empty", []), ("open-brace", Utf8("{")), ("close-brace", Utf8("}")), ("text", Utf8("not json")), ("array", Utf8("[]")),
        ("numbers", Utf8("[1,2]")), ("string", Utf8("\"text\"")), ("number", Utf8("123")), ("null", Utf8("null")), ("true", Utf8("true")),
        ("trailing-garbage", Utf8("{}x")), ("missing-value", Utf8("{\"a\":}")), ("single-quotes", Utf8("{'a':1}")),
        ("trailing-comma", Utf8("{\"a\":1,}")), ("comment", Utf8("/* c */{}")), ("nested-1000", Utf8(new string('[', 1000) + new string(']', 1000))),
        ("nested-objects-100", Utf8(string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100))),
        ("invalid-utf8", [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D]), ("nul-byte", [0x7B, 0x00, 0x7D]),
        ("unterminated-string", Utf8("{\"a\":\"abc")),
    ];

    private static readonly (string Kind, string Value)[] OddPathValues =
    [
        ("space", "%20"), ("null-word", "null"), ("undefined", "undefined"), ("zero", "0"), ("negative", "-1"), ("exponent", "1e9"),
        ("nil-uuid", "00000000-0000-0000-0000-000000000000"), ("unknown-uuid", Guid.NewGuid().ToString()),
        ("braced-uuid", "%7B" + Guid.NewGuid() + "%7D"), ("upper-uuid", Guid.NewGuid().ToString().ToUpperInvariant()),
        ("dashless-uuid", Guid.NewGuid().ToString("N")), ("uuid-trailing-space", Guid.NewGuid() + "%20"), ("dot-dot", "%2E%2E"),
        ("encoded-slash", "a%2Fb"), ("4000-chars", new string('a', 4000)), ("dotted-I", "%C4%B0"), ("rlo", "%E2%80%AEabc"),
        ("control", "ab%01cd"), ("escape", "ab%1Bcd"), ("sql", "%27%20OR%20%271%27%3D%271"), ("emoji", "%F0%9F%98%80abc"),
        ("lone-surrogate-utf8", "abc%ED%A0%80"), ("invalid-utf8", "abc%FF"), ("semicolon", "a%3Bb"), ("lowercase", "dotnet"),
        ("objectid", "507f1f77bcf86cd799439011"), ("html", "%3Cscript%3E"),
    ];

    private static readonly (string Kind, string Value)[] OddPagingValues =
    [
        ("empty", ""), ("zero", "0"), ("negative", "-1"), ("1001", "1001"), ("letters", "abc"), ("decimal", "1.5"), ("exponent", "1e3"),
        ("huge", "99999999999999999999"), ("hex", "0x10"), ("fullwidth-digit", "%EF%BC%91"), ("nul", "1%00"),
        ("plus", "%2B1"), ("list", "1%2C2"), ("nan", "NaN"), ("null-word", "null"), ("array", "%5B1%5D"), ("invalid-utf8", "%FF"),
    ];

    /// <summary>Builds the corpus for <paramref name="operations"/>.</summary>
    public static IReadOnlyList<FuzzCase> Build(IReadOnlyList<FuzzOperation> operations, FuzzTargets targets)
    {
        var cases = new List<FuzzCase>();
        _blogId = targets.BlogId; // UpdateBlog._id: mutations of an otherwise valid update target a real blog, which must not change
        foreach (var op in operations)
        {
            var name = $"{op.Method} {op.Path}";
            var writes = op.Method != HttpMethod.Get;
            FuzzCase Make(string kind, string? path = null, IEnumerable<KeyValuePair<string, string>>? headers = null, byte[]? body = null,
                string? contentType = "application/json", bool chunked = false, Expectation? expected = null, HttpMethod? method = null) =>
                new(name, kind, method ?? op.Method, path ?? ValidPath(op, targets), (headers ?? ValidHeaders(op, targets)).ToArray(),
                    body ?? (op.Body is null ? null : Utf8(ValidBody(op, null, null))), op.Body is null && body is null ? null : contentType,
                    chunked, expected ?? Expectation.AnyAnswer);

            // Credentials.
            if (op.NeedsApiKey)
            {
                cases.Add(Make("no-api-key", headers: Without(ValidHeaders(op, targets), "x-api-key"), expected: Expectation.Exactly(401)));
                cases.Add(Make("unknown-api-key", headers: With(ValidHeaders(op, targets), "x-api-key", "FUZZ-NOT-A-KEY"), expected: Expectation.Exactly(403)));
                cases.Add(Make("lower-case-api-key", headers: With(ValidHeaders(op, targets), "x-api-key", targets.ApiKey.ToLowerInvariant()), expected: Expectation.Exactly(403)));
                cases.Add(Make("16KB-api-key", headers: With(ValidHeaders(op, targets), "x-api-key", new string('K', 16_000)), expected: Expectation.Exactly(403)));
            }
            if (op.NeedsBearer)
            {
                var valid = targets.AccessToken;
                var tampered = valid[..^2] + (valid[^2] == 'A' ? 'B' : 'A') + valid[^1];
                var unsigned = Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + valid.Split('.')[1] + ".";
                foreach (var (kind, value) in new[]
                         {
                             ("no-authorization", (string?)null), ("bearer-only", "Bearer"), ("bearer-garbage", "Bearer garbage"),
                             ("basic-scheme", "Basic dXNlcjpwYXNz"), ("bearer-16KB", "Bearer " + new string('t', 16_000)),
                             ("bearer-three-dots", "Bearer a.b.c"), ("tampered-signature", "Bearer " + tampered), ("alg-none", "Bearer " + unsigned),
                             ("refresh-token-as-access", "Bearer " + targets.RefreshToken),
                         })
                {
                    var headers = Without(ValidHeaders(op, targets), "Authorization");
                    cases.Add(Make(kind, headers: value is null ? headers : With(headers, "Authorization", value), expected: Expectation.Exactly(401)));
                }
            }

            // Path values.
            foreach (var parameter in op.Parameters.Where(p => p.In == "path"))
                foreach (var (kind, value) in OddPathValues)
                {
                    var acceptable = parameter.Name == "slug" && !kind.Contains("control") && !kind.Contains("rlo") && !kind.Contains("utf8")
                                     || parameter.Name == "tag" && kind is "zero" or "negative" or "exponent" or "nil-uuid" or "unknown-uuid" or "braced-uuid" or "upper-uuid" or "dashless-uuid" or "emoji" or "sql" or "semicolon" or "objectid" or "null-word" or "undefined" or "dotted-I";
                    cases.Add(Make($"path.{parameter.Name}={kind}", path: ValidPath(op, targets, (parameter.Name, value)),
                        expected: acceptable ? Expectation.AnyAnswer : Expectation.Rejected));
                }

            // Paging.
            foreach (var parameter in op.Parameters.Where(p => p.In == "query"))
            {
                cases.Add(Make($"query.{parameter.Name}=missing", path: ValidPath(op, targets, omitQuery: parameter.Name), expected: Expectation.Exactly(400)));
                foreach (var (kind, value) in OddPagingValues)
                    cases.Add(Make($"query.{parameter.Name}={kind}", path: ValidPath(op, targets, query: (parameter.Name, value)), expected: Expectation.Exactly(400)));
                // Trimmed before it is checked, as every field is.
                cases.Add(Make($"query.{parameter.Name}=space-padded", path: ValidPath(op, targets, query: (parameter.Name, "%201%20"))));
                cases.Add(Make($"query.{parameter.Name}=repeated", path: ValidPath(op, targets) + $"&{parameter.Name}=2", expected: Expectation.Exactly(400)));
            }

            // Bodies.
            if (op.Body is not null)
            {
                foreach (var (kind, bytes) in MalformedBodies)
                    cases.Add(Make($"body={kind}", body: bytes, expected: Expectation.Exactly(400)));
                cases.Add(Make("body=utf8-bom", body: [0xEF, 0xBB, 0xBF, .. Utf8(ValidBody(op, null, null))]));
                cases.Add(Make("body=utf16", body: Encoding.Unicode.GetBytes(ValidBody(op, null, null)), expected: Expectation.Exactly(400)));
                cases.Add(Make("body=empty-object", body: Utf8("{}"), expected: Expectation.Exactly(400)));

                foreach (var (field, schema) in op.Body)
                {
                    var required = op.RequiredFields.Contains(field);
                    var needed = required ? Expectation.Exactly(400) : Expectation.AnyAnswer;
                    cases.Add(Make($"body.{field}=missing", body: Utf8(ValidBody(op, field, null)), expected: needed));
                    cases.Add(Make($"body.{field}=null", body: Utf8(ValidBody(op, field, "null")), expected: needed));
                    if (schema.Type == "array")
                    {
                        foreach (var (kind, json) in new[]
                                 {
                                     ("string", "\"X\""), ("number", "42"), ("object", "{\"0\":\"X\"}"), ("numbers", "[1]"), ("nulls", "[null]"),
                                     ("nested", "[[\"X\"]]"), ("objects", "[{}]"), ("empty", "[]"),
                                     ("too-many", "[" + string.Join(',', Enumerable.Range(0, (schema.MaxLength ?? 20) + 1).Select(i => $"\"T{i}\"")) + "]"),
                                     ("10000-items", "[" + string.Join(',', Enumerable.Repeat("\"T\"", 10_000)) + "]"),
                                     ("item-too-long", $"[\"{new string('T', (schema.Items?.MaxLength ?? 50) + 1)}\"]"),
                                     ("lower-case-item", "[\"lower\"]"), ("empty-item", "[\"\"]"), ("whitespace-item", "[\"   \"]"),
                                 })
                            cases.Add(Make($"body.{field}={kind}", body: Utf8(ValidBody(op, field, json)), expected: Expectation.Exactly(400)));
                        foreach (var (kind, json) in ForbiddenStrings)
                            cases.Add(Make($"body.{field}[0]={kind}", body: Utf8(ValidBody(op, field, $"[{json}]")), expected: Expectation.Exactly(400)));
                    }
                    else
                    {
                        foreach (var (kind, json) in NotStrings)
                            cases.Add(Make($"body.{field}={kind}", body: Utf8(ValidBody(op, field, json)), expected: Expectation.Exactly(400)));
                        foreach (var (kind, json) in ForbiddenStrings)
                            cases.Add(Make($"body.{field}={kind}", body: Utf8(ValidBody(op, field, json)), expected: Expectation.Exactly(400)));
                        foreach (var (kind, json) in OddStrings)
                            cases.Add(Make($"body.{field}={kind}", body: Utf8(ValidBody(op, field, json))));
                    }
                }

                cases.Add(Make("body+extra-field", body: Utf8(AddMember(ValidBody(op, null, null), "\"extra\":\"x\""))));
                cases.Add(Make("body+proto-field", body: Utf8(AddMember(ValidBody(op, null, null), "\"__proto__\":{\"admin\":true}"))));
                cases.Add(Make("body+mongo-operator", body: Utf8(AddMember(ValidBody(op, null, null), "\"$where\":\"1\""))));
                var first = op.Body.Keys.First();
                cases.Add(Make($"body+duplicate-{first}-with-NUL", body: Utf8(AddMember(ValidBody(op, null, null), $"\"{first}\":\"\\u0000\"")),
                    expected: Expectation.Exactly(400)));

                foreach (var (kind, type, expected) in new[]
                         {
                             ("text/plain", "text/plain", Expectation.Exactly(415)), ("xml", "application/xml", Expectation.Exactly(415)),
                             ("multipart", "multipart/form-data; boundary=x", Expectation.Exactly(415)),
                             ("form", "application/x-www-form-urlencoded", Expectation.Exactly(415)), ("none", (string?)null, Expectation.Exactly(415)),
                             ("jsonx", "application/jsonx", Expectation.Exactly(415)), ("utf16-charset", "application/json; charset=utf-16", Expectation.AnyAnswer),
                             ("problem+json", "application/problem+json", Expectation.AnyAnswer),
                         })
                    cases.Add(Make($"content-type={kind}", contentType: type, expected: expected));

                var big = Utf8(AddMember(ValidBody(op, null, null), $"\"pad\":\"{new string('p', 2_000_000)}\""));
                cases.Add(Make("body=2MB", body: big, expected: Expectation.Exactly(413)));
                cases.Add(Make("body=2MB-chunked", body: big, chunked: true, expected: Expectation.Exactly(413)));
            }

            // A method the path does not serve, and odd headers on reads.
            // Without an API key (health), the key check answers before the method check.
            cases.Add(Make("method=PATCH", method: HttpMethod.Patch, expected: op.NeedsApiKey ? Expectation.Exactly(405) : Expectation.Exactly(401, 405)));
            if (!writes)
            {
                cases.Add(Make("header=16KB-unrelated", headers: With(ValidHeaders(op, targets), "x-fuzz", new string('h', 16_000))));
                cases.Add(Make("header=accept-xml", headers: With(ValidHeaders(op, targets), "Accept", "application/xml")));
                // Kestrel refuses more than 100 headers itself (431, empty body; see BadInputFindingsTests).
                cases.Add(Make("header=90-headers", headers: ValidHeaders(op, targets).Concat(Enumerable.Range(0, 90).Select(i => KeyValuePair.Create($"x-fuzz-{i}", "v")))));
            }
        }
        return cases;
    }

    private static string ValidPath(FuzzOperation op, FuzzTargets targets, (string Name, string Value)? path = null,
        (string Name, string Value)? query = null, string? omitQuery = null)
    {
        var result = op.Path;
        foreach (var parameter in op.Parameters.Where(p => p.In == "path"))
        {
            var value = path is { } p && p.Name == parameter.Name ? p.Value : parameter.Name switch
            {
                "id" when op.Path.StartsWith("/auth", StringComparison.Ordinal) => targets.UserId.ToString(),
                "id" => targets.BlogId.ToString(),
                "slug" => Uri.EscapeDataString(targets.Slug),
                "tag" => "FUZZ",
                _ => "x",
            };
            result = result.Replace("{" + parameter.Name + "}", value);
        }
        var pairs = op.Parameters.Where(p => p.In == "query" && p.Name != omitQuery)
            .Select(p => $"{p.Name}={(query is { } q && q.Name == p.Name ? q.Value : (p.Schema.Minimum ?? 1).ToString())}")
            .ToArray();
        return pairs.Length == 0 ? result : $"{result}?{string.Join('&', pairs)}";
    }

    private static List<KeyValuePair<string, string>> ValidHeaders(FuzzOperation op, FuzzTargets targets)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (op.NeedsApiKey) headers.Add(KeyValuePair.Create("x-api-key", targets.ApiKey));
        if (op.NeedsBearer) headers.Add(KeyValuePair.Create("Authorization", "Bearer " + targets.AccessToken));
        return headers;
    }

    private static IEnumerable<KeyValuePair<string, string>> Without(IEnumerable<KeyValuePair<string, string>> headers, string name) =>
        headers.Where(h => !string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).ToList();

    private static IEnumerable<KeyValuePair<string, string>> With(IEnumerable<KeyValuePair<string, string>> headers, string name, string value) =>
        Without(headers, name).Append(KeyValuePair.Create(name, value)).ToList();

    /// <summary>A valid body from the schema; <paramref name="field"/> is left out (<paramref name="json"/> null) or set to the raw <paramref name="json"/>.</summary>
    private static string ValidBody(FuzzOperation op, string? field, string? json)
    {
        var n = Interlocked.Increment(ref _counter);
        var body = new JsonObject();
        foreach (var (name, schema) in op.Body!)
        {
            if (name == field)
            {
                if (json is not null) body[name] = JsonValue.Create("__FUZZ_VALUE__");
                continue;
            }
            body[name] = ValidValue(name, schema, n);
        }
        var text = body.ToJsonString();
        return json is null ? text : text.Replace(Placeholder, json);
    }

    private static JsonNode? ValidValue(string name, FieldSchema schema, int n) => schema.Type switch
    {
        "array" => new JsonArray(ValidValue(name, schema.Items ?? new FieldSchema("string", null, null, null, null, null, UppercasePattern, null), n)),
        "integer" => JsonValue.Create(schema.Minimum ?? 1),
        "boolean" => JsonValue.Create(true),
        _ => JsonValue.Create(ValidText(name, schema, n)),
    };

    private const string UppercasePattern = "^\\P{Ll}+$";

    private static string ValidText(string name, FieldSchema schema, int n)
    {
        var unique = $"{n}x{Guid.NewGuid().ToString("N")[..8]}";
        if (name == "_id") return _blogId.ToString();
        switch (schema.Format)
        {
            case "email": return $"fuzz-{unique}@example.com";
            case "uri": return "https://example.com/fuzz.png";
            case "uuid": return Guid.NewGuid().ToString();
        }
        if (schema.Pattern == UppercasePattern) return "FUZZ";
        if (name.Contains("password", StringComparison.OrdinalIgnoreCase)) return "fuzz-password";
        var text = name == "slug" ? $"fuzz-slug-{unique}" : $"Fuzz {name} {unique}";
        var min = Math.Max(schema.MinLength ?? 0, 3);
        if (text.Length < min) text = text.PadRight(min, 'z');
        return schema.MaxLength is { } max && text.Length > max ? text[..max] : text;
    }

    private static string AddMember(string objectJson, string member) => objectJson[..^1] + (objectJson.Length > 2 ? "," : "") + member + "}";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Base64Url(string text) => Convert.ToBase64String(Utf8(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
