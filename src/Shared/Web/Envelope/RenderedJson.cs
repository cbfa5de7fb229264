using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GoMicro.Shared.Web.Envelope;

/// <summary>
/// A value already serialized as UTF-8 JSON, which System.Text.Json writes back verbatim: as the <c>data</c> of an
/// <see cref="ApiResponse{T}"/>, or as a cache entry (Redis then holds the view's own JSON, not a base64 string).
/// </summary>
/// <remarks>
/// A cached view is read far more often than it changes, so rendering it once, when it is loaded, saves serializing the
/// same object graph (a blog's whole text, its tags, its author) on every hit. The bytes are written with
/// <see cref="Utf8JsonWriter.WriteRawValue(ReadOnlySpan{byte}, bool)"/> without validation: they come from
/// <see cref="Render{T}"/> or from a JSON document this converter parsed, so they are well-formed by construction.
/// </remarks>
[JsonConverter(typeof(RenderedJsonConverter))]
public sealed class RenderedJson
{
    private RenderedJson(byte[] utf8) => Utf8 = utf8;

    /// <summary>The value's JSON, UTF-8 encoded: one complete JSON value (object, array, string, number, ...).</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary>Serializes <paramref name="value"/> with <paramref name="options"/>, which must be those the HTTP
    /// responses use (camel case, nulls omitted) so the rendered view reads exactly as if serialized per request.</summary>
    /// <typeparam name="T">The view's type, e.g. a public blog or an array of list items.</typeparam>
    /// <param name="value">The view; its whole graph is serialized now, once.</param>
    /// <param name="options">The HTTP JSON options (<c>Microsoft.AspNetCore.Http.Json.JsonOptions.SerializerOptions</c>).</param>
    /// <exception cref="NotSupportedException">A member of <typeparamref name="T"/> has no converter.</exception>
    public static RenderedJson Render<T>(T value, JsonSerializerOptions options) =>
        new(JsonSerializer.SerializeToUtf8Bytes(value, options));

    /// <summary>Writes the bytes as they are; reads any JSON value, keeping its bytes as they came.</summary>
    private sealed class RenderedJsonConverter : JsonConverter<RenderedJson>
    {
        public override RenderedJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return new RenderedJson(JsonMarshal.GetRawUtf8Value(document.RootElement).ToArray());
        }

        public override void Write(Utf8JsonWriter writer, RenderedJson value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
    }
}
