namespace GoMicro.BusRoundTrip;

/// <summary>The NATS rows: IModuleBus over the product's NATS transport, and the raw library under it.</summary>
internal static class NatsVariants
{
    /// <summary>Raw NATS.Client variants: name, flush each reply at once, TCP_NODELAY, continue off the library's thread,
    /// request-reply done by hand. The first is the library as the product uses it; the next two what the adapter could do
    /// about its latency (see bench/README.md); the rest (with <c>--all-variants</c>) isolate each change.</summary>
    private static readonly (string Name, bool Flush, bool NoDelay, bool Yield, bool Own, bool Always)[] RawVariants =
    [
        ("NATS.Client 0.8.0 alone", false, false, false, false, true),
        ("NATS.Client 0.8.0 alone, replies flushed at once + TCP_NODELAY", true, true, false, false, true),
        ("NATS.Client 0.8.0 alone, as above + own request-reply (no PING per request)", true, true, false, true, true),
        ("NATS.Client 0.8.0 alone, replies flushed at once", true, false, false, false, false),
        ("NATS.Client 0.8.0 alone, TCP_NODELAY", false, true, false, false, false),
        ("NATS.Client 0.8.0 alone, flushed + TCP_NODELAY + continuation off the library thread", true, true, true, false, false),
    ];

    public static async IAsyncEnumerable<Result> RunAsync(string url, int calls, int warmUp, int concurrent, bool allVariants)
    {
        await using (var nats = await NatsBus.StartAsync(url))
        {
            var ping = new Ping("ping");
            Task Call() => nats.Bus.RequestAsync<Ping, Ping>(Subjects.Echo, ping);
            yield return await Measure.RunAsync("NATS (IModuleBus, GoMicro's NATS transport)", Call, 1, calls, warmUp);
            yield return await Measure.RunAsync("NATS (IModuleBus, GoMicro's NATS transport)", Call, concurrent, calls, warmUp);
        }
        foreach (var (name, flush, noDelay, yieldAfter, own, always) in RawVariants)
        {
            if (!always && !allVariants) continue;
            using var raw = new RawNats(url, flush, noDelay, yieldAfter, own);
            yield return await Measure.RunAsync(name, raw.CallAsync, 1, calls, warmUp);
            yield return await Measure.RunAsync(name, raw.CallAsync, concurrent, calls, warmUp);
        }
    }
}
