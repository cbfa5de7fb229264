using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// An OTLP/HTTP receiver on a loopback port (the collector side of the OpenTelemetry protocol, "OTLP/HTTP" in the
/// specification): it accepts every export to <c>/v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c>, answers 200 with
/// an empty response message, and keeps what arrived. Bodies are protobuf; names, attribute keys and string values are
/// stored there as UTF-8 as they are, so tests look for them without decoding the messages.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpExport> _exports = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base address to give as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>Everything exported so far, in arrival order.</summary>
    public IReadOnlyCollection<OtlpExport> Exports => _exports;

    /// <summary>Starts the receiver on a free loopback port.</summary>
    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            receiver._exports.Enqueue(new OtlpExport(signal, request.ContentType,
                request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        receiver.Endpoint = app.Urls.Single();
        return receiver;
    }

    /// <summary>True when some export of <paramref name="signal"/> (<c>traces</c>, <c>metrics</c>, <c>logs</c>) holds every
    /// one of <paramref name="texts"/>.</summary>
    public bool Received(string signal, params string[] texts) =>
        _exports.Any(e => e.Signal == signal && texts.All(e.Contains));

    /// <summary>True when some export of traces holds a span of trace <paramref name="traceId"/> (its 16 bytes, as the
    /// protobuf carries them) and every one of <paramref name="texts"/>.</summary>
    public bool ReceivedTrace(ActivityTraceId traceId, params string[] texts)
    {
        var id = Convert.FromHexString(traceId.ToHexString());
        return _exports.Any(e => e.Signal == "traces" && e.Body.AsSpan().IndexOf(id) >= 0 && texts.All(e.Contains));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One export request as it arrived.</summary>
/// <param name="Signal"><c>traces</c>, <c>metrics</c> or <c>logs</c>.</param>
/// <param name="ContentType">The request's content type (<c>application/x-protobuf</c> for http/protobuf).</param>
/// <param name="Headers">The request headers.</param>
/// <param name="Body">The protobuf body.</param>
public sealed record OtlpExport(string Signal, string? ContentType, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>True when the body holds <paramref name="text"/> as UTF-8 bytes.</summary>
    public bool Contains(string text) => Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
