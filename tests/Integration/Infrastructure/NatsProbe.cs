using System.Text;
using System.Text.Json;
using NATS.Client.Core;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>A bare NATS.Net client for tests, like the <c>nats</c> CLI (not packaged here): sends a request and collects
/// every answer for a while (discovery requests get one answer per instance), or plays a peer service.</summary>
internal sealed class NatsProbe : IAsyncDisposable, IDisposable
{
    private NatsProbe(NatsConnection connection) => Connection = connection;

    /// <summary>The library connection, for tests that play a peer.</summary>
    public NatsConnection Connection { get; }

    /// <summary>Connects to <paramref name="url"/>.</summary>
    public static NatsProbe Connect(string url)
    {
        var connection = new NatsConnection(new NatsOpts { Url = url, Name = "gomicro-test-probe", ConnectTimeout = TimeSpan.FromSeconds(10) });
        connection.ConnectAsync().AsTask().GetAwaiter().GetResult();
        return new NatsProbe(connection);
    }

    /// <summary>Publishes <paramref name="payload"/> on <paramref name="subject"/> and collects answers until
    /// <paramref name="expected"/> have arrived (discovery requests get one answer per instance).</summary>
    public async Task<IReadOnlyList<JsonElement>> CollectAsync(string subject, int expected, string payload = "")
    {
        var answers = new List<JsonElement>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await foreach (var reply in Connection.RequestManyAsync<byte[], byte[]>(subject, Encoding.UTF8.GetBytes(payload),
                           replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(15), MaxMsgs = expected }, cancellationToken: timeout.Token))
        {
            answers.Add(JsonDocument.Parse(reply.Data).RootElement.Clone());
            if (answers.Count >= expected) break;
        }
        Assert.True(answers.Count >= expected, $"{expected} answer(s) to {subject}, got {answers.Count}");
        return answers;
    }

    /// <summary>One request, the first answer, as JSON.</summary>
    public async Task<JsonElement> RequestAsync(string subject, string payload = "")
    {
        var reply = await RequestRawAsync(subject, payload);
        return JsonDocument.Parse(reply.Data).RootElement.Clone();
    }

    /// <summary>One request with exactly these bytes, the first answer as the library gives it (headers and body).</summary>
    public async Task<NatsMsg<byte[]>> RequestRawAsync(string subject, string payload) =>
        await Connection.RequestAsync<byte[], byte[]>(subject, Encoding.UTF8.GetBytes(payload),
            replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(10) });

    /// <summary>The STATS request counter of endpoint <paramref name="subject"/> in each instance of <paramref name="service"/>, by instance id.</summary>
    public async Task<IReadOnlyDictionary<string, long>> RequestCountsAsync(string service, string subject, int instances)
    {
        var stats = await CollectAsync($"$SRV.STATS.{service}", instances);
        return stats.ToDictionary(
            s => s.GetProperty("id").GetString()!,
            s => s.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("subject").GetString() == subject).GetProperty("num_requests").GetInt64());
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Connection.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => Connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
