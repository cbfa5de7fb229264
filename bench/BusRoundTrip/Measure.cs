using System.Diagnostics;

namespace GoMicro.BusRoundTrip;

/// <summary>Latencies of one series of calls, in microseconds, and the rate they were made at.</summary>
internal sealed record Result(string Transport, int Callers, int Calls, double MedianUs, double P99Us, double CallsPerSecond);

/// <summary>Times an async call: each call on its own, so percentiles are per call, not per batch.</summary>
internal static class Measure
{
    /// <summary>Runs <paramref name="call"/> <paramref name="calls"/> times in total from <paramref name="callers"/>
    /// concurrent loops (1 = sequential) after <paramref name="warmUp"/> untimed calls per loop.</summary>
    public static async Task<Result> RunAsync(string transport, Func<Task> call, int callers, int calls, int warmUp)
    {
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            for (var i = 0; i < warmUp; i++) await call();
        }));

        var latencies = new long[calls];
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < calls)
            {
                var t0 = Stopwatch.GetTimestamp();
                await call();
                latencies[index] = Stopwatch.GetTimestamp() - t0;
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started);

        Array.Sort(latencies);
        return new Result(transport, callers, calls, Microseconds(Percentile(latencies, 0.50)), Microseconds(Percentile(latencies, 0.99)),
            calls / elapsed.TotalSeconds);
    }

    private static long Percentile(long[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static double Microseconds(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}
