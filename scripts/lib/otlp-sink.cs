#:sdk Microsoft.NET.Sdk.Web
#:property PublishAot=false

// A throw-away OTLP/HTTP receiver for scripts/test-telemetry.sh (a .NET file-based program: `dotnet run --file`).
//   dotnet run --file scripts/lib/otlp-sink.cs -- http://127.0.0.1:PORT OUT.jsonl
// It accepts the exports of OTLP/HTTP with protobuf bodies (POST /v1/traces, /v1/metrics, /v1/logs, as the
// OpenTelemetry protocol specification defines them), answers each with 200 and an empty response message, and appends
// one JSON line per span, metric and log record to OUT.jsonl, so the script can ask jq about the trace tree:
//   {"signal":"span","service":"gomicro-blog","scope":"NATS.Net","traceId":"…","spanId":"…","parentSpanId":"…",
//    "name":"…","kind":3,"attributes":{"messaging.system":"nats",…}}
//   {"signal":"metric","service":"gomicro-blog","scope":"Microsoft.AspNetCore.Hosting","name":"http.server.request.duration"}
//   {"signal":"log","service":"gomicro-auth","traceId":"…","spanId":"…","severity":"Information"}
// The messages are read field by field from the protobuf wire format (field numbers from opentelemetry-proto's
// trace/v1, metrics/v1, logs/v1, resource/v1 and common/v1 .proto files); nothing here is generated code.
using System.Text;
using System.Text.Json;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: otlp-sink URL OUT.jsonl");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls(args[0]);
builder.Logging.ClearProviders();
var app = builder.Build();
var output = args[1];
var writeLock = new Lock();

app.MapGet("/", () => "otlp-sink");
app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
{
    using var body = new MemoryStream();
    await request.Body.CopyToAsync(body);
    var lines = signal switch
    {
        "traces" => Otlp.Records(body.ToArray(), Otlp.WriteSpan),
        "metrics" => Otlp.Records(body.ToArray(), Otlp.WriteMetric),
        "logs" => Otlp.Records(body.ToArray(), Otlp.WriteLog),
        _ => [],
    };
    lock (writeLock) File.AppendAllLines(output, lines);
    return Results.Bytes([], "application/x-protobuf");
});
app.Run();
return 0;

/// <summary>The few OTLP messages the test reads.</summary>
internal static class Otlp
{
    /// <summary>
    /// Every record of an export request: the request's field 1 is a repeated Resource{Spans,Metrics,Logs}, each with
    /// its Resource (field 1) and repeated Scope{Spans,Metrics,Logs} (field 2), each with its InstrumentationScope
    /// (field 1) and repeated records (field 2).
    /// </summary>
    public static List<string> Records(byte[] request, Action<Utf8JsonWriter, ReadOnlyMemory<byte>> writeRecord)
    {
        var lines = new List<string>();
        foreach (var resourceGroup in Wire.Messages(request, 1))
        {
            var service = Wire.Messages(resourceGroup, 1)
                .SelectMany(r => Wire.Messages(r, 1)).Select(KeyValue).FirstOrDefault(kv => kv.Key == "service.name").Value ?? "";
            foreach (var scopeGroup in Wire.Messages(resourceGroup, 2))
            {
                var scope = Wire.Messages(scopeGroup, 1).Select(s => Wire.Text(s, 1)).FirstOrDefault() ?? "";
                foreach (var record in Wire.Messages(scopeGroup, 2))
                {
                    using var buffer = new MemoryStream();
                    using (var json = new Utf8JsonWriter(buffer))
                    {
                        json.WriteStartObject();
                        json.WriteString("service", service);
                        json.WriteString("scope", scope);
                        writeRecord(json, record);
                        json.WriteEndObject();
                    }
                    lines.Add(Encoding.UTF8.GetString(buffer.ToArray()));
                }
            }
        }
        return lines;
    }

    /// <summary>Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6, attributes 9.</summary>
    public static void WriteSpan(Utf8JsonWriter json, ReadOnlyMemory<byte> span)
    {
        json.WriteString("signal", "span");
        json.WriteString("traceId", Wire.Hex(span, 1));
        json.WriteString("spanId", Wire.Hex(span, 2));
        json.WriteString("parentSpanId", Wire.Hex(span, 4));
        json.WriteString("name", Wire.Text(span, 5) ?? "");
        json.WriteNumber("kind", Wire.Varint(span, 6));
        json.WriteStartObject("attributes");
        foreach (var (key, value) in Wire.Messages(span, 9).Select(KeyValue)) json.WriteString(key, value);
        json.WriteEndObject();
    }

    /// <summary>Metric: name 1.</summary>
    public static void WriteMetric(Utf8JsonWriter json, ReadOnlyMemory<byte> metric)
    {
        json.WriteString("signal", "metric");
        json.WriteString("name", Wire.Text(metric, 1) ?? "");
    }

    /// <summary>LogRecord: severity_text 3, trace_id 9, span_id 10.</summary>
    public static void WriteLog(Utf8JsonWriter json, ReadOnlyMemory<byte> log)
    {
        json.WriteString("signal", "log");
        json.WriteString("severity", Wire.Text(log, 3) ?? "");
        json.WriteString("traceId", Wire.Hex(log, 9));
        json.WriteString("spanId", Wire.Hex(log, 10));
    }

    /// <summary>KeyValue: key 1, AnyValue 2 (string 1, bool 2, int 3, double 4); other kinds are left empty.</summary>
    private static (string Key, string? Value) KeyValue(ReadOnlyMemory<byte> keyValue)
    {
        var any = Wire.Messages(keyValue, 2).FirstOrDefault();
        string? value = null;
        foreach (var field in Wire.Fields(any))
        {
            value = field.Number switch
            {
                1 => Encoding.UTF8.GetString(field.Bytes.Span),
                2 => field.Value != 0 ? "true" : "false",
                3 => ((long)field.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
                4 => BitConverter.UInt64BitsToDouble(field.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => value,
            };
        }
        return (Wire.Text(keyValue, 1) ?? "", value);
    }
}

/// <summary>One field of a protobuf message: its number, and its value (varint and fixed) or bytes (length-delimited).</summary>
internal readonly record struct WireField(int Number, ulong Value, ReadOnlyMemory<byte> Bytes);

/// <summary>The protobuf wire format (varint, i64, length-delimited, i32), enough to walk OTLP messages.</summary>
internal static class Wire
{
    public static List<WireField> Fields(ReadOnlyMemory<byte> message)
    {
        var fields = new List<WireField>();
        var span = message.Span;
        var at = 0;
        while (at < span.Length)
        {
            var tag = ReadVarint(span, ref at);
            var number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    fields.Add(new WireField(number, ReadVarint(span, ref at), default));
                    break;
                case 1:
                    fields.Add(new WireField(number, BitConverter.ToUInt64(span.Slice(at, 8)), default));
                    at += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(span, ref at);
                    fields.Add(new WireField(number, 0, message.Slice(at, length)));
                    at += length;
                    break;
                case 5:
                    fields.Add(new WireField(number, BitConverter.ToUInt32(span.Slice(at, 4)), default));
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"unsupported protobuf wire type {tag & 7}");
            }
        }
        return fields;
    }

    public static IEnumerable<ReadOnlyMemory<byte>> Messages(ReadOnlyMemory<byte> message, int number) =>
        Fields(message).Where(f => f.Number == number).Select(f => f.Bytes);

    public static string? Text(ReadOnlyMemory<byte> message, int number) =>
        Messages(message, number).Select(b => Encoding.UTF8.GetString(b.Span)).FirstOrDefault();

    public static string Hex(ReadOnlyMemory<byte> message, int number) =>
        Messages(message, number).Select(b => Convert.ToHexStringLower(b.Span)).FirstOrDefault() ?? "";

    public static long Varint(ReadOnlyMemory<byte> message, int number) =>
        (long)Fields(message).Where(f => f.Number == number).Select(f => f.Value).FirstOrDefault();

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = span[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
    }
}
