using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>The response envelope as a client reads it; <see cref="Data"/> stays raw JSON so tests can check exact shapes.</summary>
/// <param name="Code">"10000" or "10001".</param>
/// <param name="Status">The status repeated in the body.</param>
/// <param name="Message">The text.</param>
/// <param name="Data">The data, or an undefined element when the body has none.</param>
/// <param name="HttpStatus">The HTTP status of the response.</param>
/// <param name="Raw">The whole body.</param>
public sealed record Envelope(string Code, int Status, string Message, JsonElement Data, HttpStatusCode HttpStatus, string Raw)
{
    /// <summary>The <c>Retry-After</c> header as a delay, when the response has one.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>True when the body has a <c>data</c> field.</summary>
    public bool HasData => Data.ValueKind != JsonValueKind.Undefined;

    /// <summary>Reads <c>data</c> as <typeparamref name="T"/> (camelCase).</summary>
    public T DataAs<T>() => Data.Deserialize<T>(ApiClient.Json)!;
}

/// <summary>Request helpers that speak the product's conventions (API key, Bearer, envelope).</summary>
public static class ApiClient
{
    /// <summary>camelCase JSON, as the API writes it.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Sends a request with the development API key (unless <paramref name="apiKey"/> says otherwise) and reads the envelope.</summary>
    /// <param name="client">The topology's client for the route's module.</param>
    /// <param name="method">HTTP method.</param>
    /// <param name="path">Path and query.</param>
    /// <param name="body">Serialised as JSON when not null; a string is sent as-is (for malformed JSON tests).</param>
    /// <param name="accessToken">Sent as <c>Authorization: Bearer</c> when not null.</param>
    /// <param name="apiKey">The <c>x-api-key</c>; null sends none.</param>
    /// <param name="headers">Extra headers.</param>
    public static async Task<Envelope> SendAsync(this HttpClient client, HttpMethod method, string path, object? body = null,
        string? accessToken = null, string? apiKey = TestEnvironment.ApiKey, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (apiKey is not null) request.Headers.Add("x-api-key", apiKey);
        if (accessToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        if (body is string raw) request.Content = new StringContent(raw, System.Text.Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            return new Envelope(
                root.GetProperty("code").GetString()!,
                root.GetProperty("status").GetInt32(),
                root.GetProperty("message").GetString()!,
                root.TryGetProperty("data", out var data) ? data.Clone() : default,
                response.StatusCode,
                text)
            { RetryAfter = response.Headers.RetryAfter?.Delta };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode} without an envelope: {text}", ex);
        }
    }

    /// <summary>GET with the API key.</summary>
    public static Task<Envelope> GetEnvelopeAsync(this HttpClient client, string path, string? accessToken = null) =>
        client.SendAsync(HttpMethod.Get, path, accessToken: accessToken);

    /// <summary>POST JSON with the API key.</summary>
    public static Task<Envelope> PostEnvelopeAsync(this HttpClient client, string path, object body, string? accessToken = null) =>
        client.SendAsync(HttpMethod.Post, path, body, accessToken);

    /// <summary>PUT JSON with the API key.</summary>
    public static Task<Envelope> PutEnvelopeAsync(this HttpClient client, string path, object? body, string? accessToken = null) =>
        client.SendAsync(HttpMethod.Put, path, body, accessToken);

    /// <summary>DELETE with the API key.</summary>
    public static Task<Envelope> DeleteEnvelopeAsync(this HttpClient client, string path, string? accessToken = null) =>
        client.SendAsync(HttpMethod.Delete, path, accessToken: accessToken);

    /// <summary>Asserts the envelope is a success with <paramref name="message"/>.</summary>
    public static Envelope ShouldSucceed(this Envelope envelope, string message = "success")
    {
        Assert.True(envelope.HttpStatus == HttpStatusCode.OK, $"expected 200 but got {(int)envelope.HttpStatus}: {envelope.Raw}");
        Assert.Equal("10000", envelope.Code);
        Assert.Equal(200, envelope.Status);
        Assert.Equal(message, envelope.Message);
        return envelope;
    }

    /// <summary>Asserts the envelope is an error with <paramref name="status"/> and, when given, exactly <paramref name="message"/>.</summary>
    public static Envelope ShouldFail(this Envelope envelope, HttpStatusCode status, string? message = null)
    {
        Assert.True(envelope.HttpStatus == status, $"expected {(int)status} but got {(int)envelope.HttpStatus}: {envelope.Raw}");
        Assert.Equal("10001", envelope.Code);
        Assert.Equal((int)status, envelope.Status);
        if (message is not null) Assert.Equal(message, envelope.Message);
        Assert.False(envelope.HasData && envelope.Data.ValueKind == JsonValueKind.Null, "data must be omitted, not null");
        return envelope;
    }
}
