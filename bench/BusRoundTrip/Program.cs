using System.Globalization;
using GoMicro.BusRoundTrip;

// bench/BusRoundTrip: median and p99 of one IModuleBus request-reply of a tiny message, in-process and over NATS,
// sequentially and with 32 concurrent callers. Prints a Markdown table (bench/run.sh puts it in results/latest.md).
//   dotnet GoMicro.BusRoundTrip.dll [--quick] [--rounds N] [--nats nats://localhost:4222] [--no-nats]
// --rounds: the interleaved rounds of the sequential NATS series (5, 3 with --quick); each round's IModuleBus / raw
// median ratio is printed after the table as "bus-hop per round: ..." (bench/run.sh reads it).
var quick = args.Contains("--quick");
var natsUrl = Option("--nats") ?? "nats://localhost:4222";
var withNats = !args.Contains("--no-nats");
var (warmUp, calls) = quick ? (500, 5_000) : (2_000, 30_000);
var rounds = int.Parse(Option("--rounds") ?? (quick ? "3" : "5"), CultureInfo.InvariantCulture);
var ratios = new List<double>();
const int Concurrent = 32;

var results = new List<Result>();
var ping = new Ping("ping");

await using (var inProcess = new InProcess())
{
    Task Call() => inProcess.Bus.RequestAsync<Ping, Ping>(Subjects.Echo, ping);
    results.Add(await Measure.RunAsync("in-process (IModuleBus)", Call, 1, calls, warmUp));
    results.Add(await Measure.RunAsync("in-process (IModuleBus)", Call, Concurrent, calls, warmUp / 4));
}

if (withNats)
{
    await foreach (var result in NatsVariants.RunAsync(natsUrl, calls / 3, warmUp / 4, Concurrent, rounds, ratios)) results.Add(result);
}

Console.WriteLine("| transport | callers | calls | median µs | p99 µs | calls/s |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
foreach (var r in results)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Transport} | {r.Callers} | {r.Calls} | {r.MedianUs:0.0} | {r.P99Us:0.0} | {r.CallsPerSecond:0} |"));
if (ratios.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("bus-hop per round: " + string.Join(", ", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture))));
}
return 0;

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
