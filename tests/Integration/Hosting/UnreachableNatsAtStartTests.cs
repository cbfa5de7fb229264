using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>
/// A NATS server that cannot be reached at start does not stop a single-module process (the bus reconnects for ever, as
/// after a lost connection): it says so in one line naming <c>Bus:Nats:Url</c> and what was tried, instead of the
/// library's error and stack trace once a second; it stays alive and not ready (its subjects cannot be served) until NATS
/// answers. The built binary, as a process.
/// </summary>
public sealed class UnreachableNatsAtStartTests
{
    [Fact]
    public async Task One_line_names_the_setting_and_the_library_writes_no_stack_traces()
    {
        await using var database = await TestDatabase.CreateAsync("auth");
        var settings = GoMicroHostFactory.BaseSettings("auth");
        settings["ConnectionStrings:Auth"] = database.ConnectionString;
        settings["ConnectionStrings:Blog"] = "";
        settings["Bus:Nats:Url"] = "nats://127.0.0.1:1";   // nothing listens on port 1
        settings["Bus:Nats:ConnectTimeout"] = "00:00:01";
        settings["Bus:Nats:ReconnectWait"] = "00:00:00.200";

        await using var process = await HostProcess.StartAsync("auth", settings, startedPath: "/health/live");
        await Eventually.HoldsAsync(() => Task.FromResult(process.OutputTail.Contains("NATS cannot be reached", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the process says NATS cannot be reached");
        using (var client = new HttpClient())
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await client.GetAsync($"{process.Address}/health/ready")).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1));   // five more attempts (every 200 ms), each of which the library would log
        Assert.True(process.IsRunning, "the process keeps running while NATS is away");

        var lines = process.OutputTail.Split('\n');
        var said = Assert.Single(lines, l => l.Contains("NATS cannot be reached", StringComparison.Ordinal));
        Assert.Contains("nats://127.0.0.1:1 (Bus:Nats:Url)", said);
        Assert.DoesNotContain(lines, l => l.StartsWith("   at ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("NATS.Client.Core", StringComparison.Ordinal));
    }
}
