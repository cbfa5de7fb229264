namespace GoMicro.BusRoundTrip;

/// <summary>The NATS rows: IModuleBus over the product's NATS transport, and the raw NATS.Net floor under it, in the
/// same run so that the ratio (<c>bus-hop</c>) compares like with like.</summary>
/// <remarks>Both are started together and their sequential series measured in interleaved rounds (issue 35): round by
/// round one slice of each, one right after the other, so a drift of the shared machine's speed over the run falls on
/// both sides of each round's ratio instead of on one side of a single ratio.</remarks>
internal static class NatsVariants
{
    /// <summary>The label bench/run.sh looks for to compute <c>bus-hop</c>.</summary>
    public const string ModuleBusRow = "NATS (IModuleBus, GoMicro's NATS transport)";

    /// <summary>The floor row's label.</summary>
    public const string RawRow = "raw NATS.Net (plain subscription replying)";

    /// <summary>The rows; <paramref name="ratios"/> receives each round's IModuleBus median / raw median (sequential).</summary>
    public static async IAsyncEnumerable<Result> RunAsync(string url, int calls, int warmUp, int concurrent, int rounds, List<double> ratios)
    {
        await using var nats = await NatsBus.StartAsync(url);
        await using var raw = await RawNats.StartAsync(url);
        var ping = new Ping("ping");
        Task Call() => nats.Bus.RequestAsync<Ping, Ping>(Subjects.Echo, ping);

        var perRound = Math.Max(1, calls / rounds);
        var module = new List<Result>();
        var floor = new List<Result>();
        for (var round = 0; round < rounds; round++)
        {
            // Round 1 warms both up; later rounds a little, so the slice after the other side's starts warm.
            var warm = round == 0 ? warmUp : Math.Max(1, warmUp / 10);
            var m = await Measure.RunAsync(ModuleBusRow, Call, 1, perRound, warm);
            var r = await Measure.RunAsync(RawRow, raw.CallAsync, 1, perRound, warm);
            module.Add(m);
            floor.Add(r);
            ratios.Add(m.MedianUs / r.MedianUs);
        }
        yield return Combine(module);
        yield return await Measure.RunAsync(ModuleBusRow, Call, concurrent, calls, warmUp);
        yield return Combine(floor);
        yield return await Measure.RunAsync(RawRow, raw.CallAsync, concurrent, calls, warmUp);
    }

    /// <summary>One row for a series measured in rounds: the median of the rounds' medians, the highest p99, all calls.</summary>
    private static Result Combine(List<Result> rounds)
    {
        var medians = rounds.Select(r => r.MedianUs).Order().ToArray();
        var median = medians.Length % 2 == 1 ? medians[medians.Length / 2] : (medians[medians.Length / 2 - 1] + medians[medians.Length / 2]) / 2;
        return new Result(rounds[0].Transport, 1, rounds.Sum(r => r.Calls), median, rounds.Max(r => r.P99Us), rounds.Average(r => r.CallsPerSecond));
    }
}
