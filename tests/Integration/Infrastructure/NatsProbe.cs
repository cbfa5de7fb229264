using System.Collections.Concurrent;
using System.Text.Json;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Bus.Nats;
using Microsoft.Extensions.Logging.Abstractions;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>A bare NATS client for tests, like the <c>nats</c> CLI: sends a request and collects every answer for a while
/// (discovery requests get one answer per instance).</summary>
internal sealed class NatsProbe : IDisposable
{
    private readonly NatsConnection _connection;

    private NatsProbe(string url)
    {
        _connection = new NatsConnection(new NatsOptions { Url = url, ConnectTimeout = TimeSpan.FromSeconds(10) }, "gomicro-test-probe", NullLogger<NatsConnection>.Instance);
        _connection.Connect();
    }

    /// <summary>Connects to <paramref name="url"/>.</summary>
    public static NatsProbe Connect(string url) => new(url);

    /// <summary>Publishes <paramref name="payload"/> on <paramref name="subject"/> and collects answers until
    /// <paramref name="expected"/> have arrived (discovery requests get one answer per instance).</summary>
    public async Task<IReadOnlyList<JsonElement>> CollectAsync(string subject, int expected, string payload = "")
    {
        var inbox = $"_INBOX.probe.{Guid.NewGuid():N}";
        var answers = new ConcurrentQueue<JsonElement>();
        using (_connection.Subscribe(inbox, null, message => answers.Enqueue(JsonDocument.Parse(message.Data).RootElement.Clone())))
        {
            _connection.Flush(TimeSpan.FromSeconds(10));
            _connection.Publish(subject, System.Text.Encoding.UTF8.GetBytes(payload), inbox);
            await Eventually.HoldsAsync(() => Task.FromResult(answers.Count >= expected), TimeSpan.FromSeconds(15),
                $"{expected} answer(s) to {subject}");
        }
        return answers.ToArray();
    }

    /// <summary>One request, the first answer, as JSON.</summary>
    public async Task<JsonElement> RequestAsync(string subject, string payload = "")
    {
        var reply = await _connection.RequestAsync(subject, System.Text.Encoding.UTF8.GetBytes(payload), TimeSpan.FromSeconds(10), CancellationToken.None);
        return JsonDocument.Parse(reply).RootElement.Clone();
    }

    /// <summary>The STATS request counter of endpoint <paramref name="subject"/> in each instance of <paramref name="service"/>, by instance id.</summary>
    public async Task<IReadOnlyDictionary<string, long>> RequestCountsAsync(string service, string subject, int instances)
    {
        var stats = await CollectAsync($"$SRV.STATS.{service}", instances);
        return stats.ToDictionary(
            s => s.GetProperty("id").GetString()!,
            s => s.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("subject").GetString() == subject).GetProperty("num_requests").GetInt64());
    }

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();
}
