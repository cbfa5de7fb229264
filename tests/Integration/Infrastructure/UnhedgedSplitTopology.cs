namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// The split with hedged bus requests off (<c>Bus:MaxHedges</c> = 0, ADR 31), for tests that count or follow the bus
/// requests one instance receives: a read slower than <c>Bus:HedgeDelay</c>, common on a loaded machine, would otherwise
/// arrive once more per hedged copy.
/// </summary>
public sealed class UnhedgedSplitTopology : SplitTopology
{
    /// <inheritdoc />
    protected override void Configure(Dictionary<string, string?> settings) => settings["Bus:MaxHedges"] = "0";
}
