namespace GoMicro.BusRoundTrip;

/// <summary>The NATS rows: IModuleBus over the product's NATS transport, and the raw NATS.Net floor under it, in the
/// same run so that the ratio (<c>bus-hop</c>) compares like with like.</summary>
internal static class NatsVariants
{
    /// <summary>The label bench/run.sh looks for to compute <c>bus-hop</c>.</summary>
    public const string ModuleBusRow = "NATS (IModuleBus, GoMicro's NATS transport)";

    /// <summary>The floor row's label.</summary>
    public const string RawRow = "raw NATS.Net (plain subscription replying)";

    public static async IAsyncEnumerable<Result> RunAsync(string url, int calls, int warmUp, int concurrent)
    {
        await using (var nats = await NatsBus.StartAsync(url))
        {
            var ping = new Ping("ping");
            Task Call() => nats.Bus.RequestAsync<Ping, Ping>(Subjects.Echo, ping);
            yield return await Measure.RunAsync(ModuleBusRow, Call, 1, calls, warmUp);
            yield return await Measure.RunAsync(ModuleBusRow, Call, concurrent, calls, warmUp);
        }
        await using (var raw = await RawNats.StartAsync(url))
        {
            yield return await Measure.RunAsync(RawRow, raw.CallAsync, 1, calls, warmUp);
            yield return await Measure.RunAsync(RawRow, raw.CallAsync, concurrent, calls, warmUp);
        }
    }
}
