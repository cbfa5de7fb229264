namespace GoMicro.Shared.Modularity;

/// <summary>
/// What an <c>import ...</c> admin command did with each kind of record it read from a gomicro deployment: imported,
/// skipped because it was already present (which is what makes a second run change nothing), or rejected with a reason
/// an operator can act on. Rejections are printed as they happen; <see cref="WriteSummaryAsync"/> prints the counts.
/// </summary>
/// <param name="kind">The plural noun of the records, e.g. <c>blogs</c>, <c>user roles</c>.</param>
public sealed class ImportTally(string kind)
{
    /// <summary>The plural noun given at construction.</summary>
    public string Kind { get; } = kind;

    /// <summary>Records written by this run.</summary>
    public int Imported { get; private set; }

    /// <summary>Records already present (by id, or by their natural key where the command says so), left as they are.</summary>
    public int Skipped { get; private set; }

    /// <summary>Records not written, each reported with its reason.</summary>
    public int Rejected { get; private set; }

    /// <summary>Counts records written by a committed batch.</summary>
    public void AddImported(int count) => Imported += count;

    /// <summary>Counts records found already present.</summary>
    public void AddSkipped(int count) => Skipped += count;

    /// <summary>Counts <paramref name="count"/> rejected records and prints <c>rejected WHERE: REASON</c> once for them.</summary>
    /// <param name="output">The command's output.</param>
    /// <param name="where">Which record(s), in the input's terms (<c>line 7</c>, <c>user 0b5c…</c>).</param>
    /// <param name="reason">Why, naming no internals of the program (no type names, parser text or SQL).</param>
    /// <param name="count">How many records the line stands for (e.g. the role links of a rejected user).</param>
    public async Task RejectAsync(TextWriter output, string where, string reason, int count = 1)
    {
        if (count == 0) return;
        Rejected += count;
        await output.WriteLineAsync($"rejected {where}: {reason}");
    }

    /// <summary>Prints <c>KIND: N imported, N skipped (already present), N rejected</c>.</summary>
    public Task WriteSummaryAsync(TextWriter output) =>
        output.WriteLineAsync($"{Kind}: {Imported} imported, {Skipped} skipped (already present), {Rejected} rejected");
}
