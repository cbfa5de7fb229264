using System.Diagnostics;

namespace GoMicro.Host;

/// <summary>
/// Times the phases of a web server's start-up (issue 35, ADR 36), logged once as one Information line when the server
/// has started: how long the runtime took to reach <c>Main</c> (from the process's start time the kernel recorded), the
/// host's build (configuration, the modules' registrations, the container, endpoint mapping), the EF Core models (built
/// on each context's first use) with the migrations check, and the web server with the hosted services. What follows
/// that line until <c>/health/ready</c> first answers 200 is the readiness checks' own first run (connections to
/// PostgreSQL, Redis and NATS), which a probe measures from outside.
/// </summary>
internal sealed class StartupTimeline
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _beforeMain;
    private readonly List<(string Phase, TimeSpan At)> _marks = [];

    private StartupTimeline(TimeSpan beforeMain) => _beforeMain = beforeMain;

    /// <summary>Starts the clock; call first thing in <c>Main</c>.</summary>
    public static StartupTimeline Start()
    {
        TimeSpan beforeMain;
        try
        {
            // The kernel's start time of the process (jiffies, 10 ms steps on Linux): the runtime's own start-up and
            // the assemblies loaded before Main.
            using var self = Process.GetCurrentProcess();
            beforeMain = DateTime.Now - self.StartTime;
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            beforeMain = TimeSpan.Zero;
        }
        return new StartupTimeline(beforeMain < TimeSpan.Zero ? TimeSpan.Zero : beforeMain);
    }

    /// <summary>Ends the phase named <paramref name="phase"/> now (it began where the previous one ended).</summary>
    public void Mark(string phase) => _marks.Add((phase, _clock.Elapsed));

    /// <summary>Logs the phases marked so far, in milliseconds, as one Information line.</summary>
    public void Log(ILogger logger)
    {
        if (!logger.IsEnabled(LogLevel.Information)) return;
        var previous = TimeSpan.Zero;
        var phases = new List<string>(_marks.Count);
        foreach (var (phase, at) in _marks)
        {
            phases.Add($"{phase} {(at - previous).TotalMilliseconds:F0} ms");
            previous = at;
        }
        // What the JIT compiler did so far: the methods ReadyToRun code did not cover (or that tiered up), and its time
        // summed over threads (so it can exceed the wall-clock phases it overlaps).
        logger.LogInformation(
            "Started {TotalMs:F0} ms after the process began: runtime before Main {RuntimeMs:F0} ms, {Phases}; JIT compiled {JitMethods} methods in {JitMs:F0} ms",
            (_beforeMain + previous).TotalMilliseconds, _beforeMain.TotalMilliseconds, string.Join(", ", phases),
            System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds);
    }
}
