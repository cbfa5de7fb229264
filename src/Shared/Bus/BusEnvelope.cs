using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GoMicro.Shared.Bus;

/// <summary>
/// The wire format of every bus message (api.md section 5, the reference's goserve <c>micro</c> package):
/// <c>{"data": &lt;message&gt;}</c> on success, <c>{"error": "&lt;text&gt;"}</c> on failure, never both; known errors carry
/// their HTTP status as a prefix (<see cref="KnownError"/>).
/// GoMicro.NET adds an optional <c>traceparent</c> (W3C Trace Context) that reference services ignore.
/// </summary>
public static class BusEnvelope
{
    /// <summary>The error text a responder sends (as <c>500:internal error</c>) when its handler failed unexpectedly;
    /// callers raise <see cref="BusRemoteFaultException"/> for it, with or without the prefix.</summary>
    public const string InternalError = "internal error";

    /// <summary>
    /// The error text of a known error as the reference's goserve <c>micro</c> package writes it:
    /// <c>"&lt;status&gt;:&lt;message&gt;"</c>, e.g. <c>401:permission denied: invalid access token</c> (api.md section 6).
    /// </summary>
    /// <param name="status">An HTTP status (100-599).</param>
    /// <param name="message">The text.</param>
    public static string KnownError(int status, string message) => $"{status}:{message}";

    /// <summary>
    /// Splits an error text into the reference's status prefix and the message: <c>"403:permission denied"</c> gives
    /// (403, <c>permission denied</c>); a raw text (no three-digit status from 100 to 599 followed by <c>:</c>) gives
    /// (null, the text unchanged).
    /// </summary>
    /// <param name="error">The <c>error</c> field of a reply.</param>
    public static (int? Status, string Message) ParseError(string error)
    {
        if (error.Length >= 4 && error[3] == ':'
            && char.IsAsciiDigit(error[0]) && char.IsAsciiDigit(error[1]) && char.IsAsciiDigit(error[2]))
        {
            var status = (error[0] - '0') * 100 + (error[1] - '0') * 10 + (error[2] - '0');
            if (status is >= 100 and <= 599) return (status, error[4..]);
        }
        return (null, error);
    }

    /// <summary>camelCase, nulls omitted: what the reference's Go <c>json</c> tags with <c>omitempty</c> produce.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes <c>{"data": value}</c> (plus <c>traceparent</c> when given) as UTF-8 JSON.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="value">The message.</param>
    /// <param name="traceParent">W3C <c>traceparent</c> value, or null.</param>
    public static byte[] Data<T>(T value, string? traceParent = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, value, JsonOptions);
            if (traceParent is not null) writer.WriteString("traceparent", traceParent);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes <c>{"error": text}</c> as UTF-8 JSON.</summary>
    /// <param name="error">The error text the caller will see.</param>
    public static byte[] Error(string error)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + error.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("error", error);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an envelope.</summary>
    /// <typeparam name="T">The message type expected in <c>data</c>.</typeparam>
    /// <param name="payload">UTF-8 JSON bytes.</param>
    /// <returns>The message (default when absent), the error text (null when absent) and the <c>traceparent</c> (null when absent).</returns>
    /// <exception cref="JsonException">The payload is not an envelope or <c>data</c> does not fit <typeparamref name="T"/>.</exception>
    public static (T? Data, string? Error, string? TraceParent) Read<T>(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("bus message is not a JSON object");

        T? data = default;
        string? error = null, traceParent = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                data = JsonSerializer.Deserialize<T>(ref reader, JsonOptions);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                error = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            }
            else if (reader.ValueTextEquals("traceparent"u8))
            {
                reader.Read();
                traceParent = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return (data, error, traceParent);
    }

    /// <summary>A top-level string field of an envelope (<c>error</c>, <c>traceparent</c>), or null when absent; reads
    /// property names and skips values, so the message itself is not deserialised.</summary>
    public static string? TopLevelString(ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> name)
    {
        try
        {
            var reader = new Utf8JsonReader(envelope);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var found = reader.ValueTextEquals(name);
                reader.Read();
                if (found && reader.TokenType == JsonTokenType.String) return reader.GetString();
                reader.Skip();
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
