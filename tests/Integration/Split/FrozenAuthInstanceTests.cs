using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Contracts.Auth;
using Xunit.Abstractions;

namespace GoMicro.Integration.Tests.Split;

/// <summary>
/// One of two auth processes hangs (SIGSTOP for 10 s) while a blog process serves authenticated reads that ask the
/// auth service over NATS on every request (its token cache off). NATS keeps handing the frozen process its share of
/// the requests, because its connection stays open; the blog's hedged requests (Bus:HedgeDelay) get the answer from
/// the other process instead. Every process is an operating-system process of its own (the built binary). No request
/// may fail; the timings go to the test output and, when <c>GOMICRO_BENCH_FROZEN_AUTH</c> names a file, to that file for
/// bench/faults.sh (p99 during the freeze, goal below 250 ms).
/// </summary>
public sealed class FrozenAuthInstanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Freeze = TimeSpan.FromSeconds(10);
    private TestDatabase _authDb = null!;
    private TestDatabase _blogDb = null!;
    private NatsServer _nats = null!;
    private readonly List<HostProcess> _processes = [];

    public async Task InitializeAsync()
    {
        _authDb = await TestDatabase.CreateAsync("auth");
        _blogDb = await TestDatabase.CreateAsync("blog");
        _nats = await NatsServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.ResumeAsync();
            await process.DisposeAsync();
        }
        await _nats.DisposeAsync();
        await _authDb.DisposeAsync();
        await _blogDb.DisposeAsync();
    }

    private Dictionary<string, string?> Settings(string role)
    {
        var settings = GoMicroHostFactory.BaseSettings(role);
        settings["Bus:Nats:Url"] = _nats.Url;
        settings["ConnectionStrings:Auth"] = role == "auth" ? _authDb.ConnectionString : "";
        settings["ConnectionStrings:Blog"] = role == "blog" ? _blogDb.ConnectionString : "";
        // Every request asks the auth service: nothing is answered from the blog's token cache.
        settings["Auth:Cache:MaxAge"] = "00:00:00";
        return settings;
    }

    private async Task<HostProcess> StartAsync(string name, string role)
    {
        var process = await HostProcess.StartAsync(name, Settings(role));
        _processes.Add(process);
        return process;
    }

    [Fact]
    public async Task Authenticated_reads_all_succeed_while_one_of_two_auth_processes_is_frozen()
    {
        var auth1 = await StartAsync("auth-1", "auth");
        var auth2 = await StartAsync("auth-2", "auth");
        var blog = await StartAsync("blog", "blog");
        using var authClient = new HttpClient { BaseAddress = new Uri(auth1.Address) };
        var email = $"frozen-{Guid.NewGuid():N}@example.com";
        (await authClient.PostEnvelopeAsync("/auth/signup/basic", new { email, password = "secret-password", name = "Frozen" })).ShouldSucceed();
        var (exitCode, commandOutput) = await auth1.RunCommandAsync("user", "grant-role", email, RoleCodes.Author);
        Assert.True(exitCode == 0, commandOutput);
        var token = (await authClient.PostEnvelopeAsync("/auth/signin/basic", new { email, password = "secret-password" }))
            .ShouldSucceed().Data.GetProperty("tokens").GetProperty("accessToken").GetString()!;

        var samples = new ConcurrentQueue<(long Started, long Ended, double Ms, string? Problem)>();
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var client = new HttpClient { BaseAddress = new Uri(blog.Address), Timeout = TimeSpan.FromSeconds(30) };
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                string? problem;
                try
                {
                    var read = await client.GetEnvelopeAsync("/blog/author/drafts?page=1&limit=10", token);
                    problem = read.HttpStatus == HttpStatusCode.OK ? null : read.Raw;
                }
                catch (Exception ex)
                {
                    problem = $"{ex.GetType().Name}: {ex.Message}";
                }
                var ended = Stopwatch.GetTimestamp();
                samples.Enqueue((started, ended, Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds, problem));
            }
        })).ToArray();

        await Eventually.HoldsAsync(() => Task.FromResult(samples.Count >= 100), TimeSpan.FromSeconds(60), "the load to run with both auth processes");
        await auth2.PauseAsync();
        var frozenAt = Stopwatch.GetTimestamp();
        try
        {
            await Task.Delay(Freeze);
        }
        finally
        {
            await auth2.ResumeAsync();
        }
        var resumedAt = Stopwatch.GetTimestamp();
        var atResume = samples.Count;
        await Eventually.HoldsAsync(() => Task.FromResult(samples.Count >= atResume + 50), TimeSpan.FromSeconds(60), "the load to go on after the freeze");
        await stop.CancelAsync();
        await Task.WhenAll(callers);

        var all = samples.ToArray();
        var during = all.Where(s => s.Ended > frozenAt && s.Started < resumedAt).Select(s => s.Ms).Order().ToArray();
        var before = all.Where(s => s.Ended <= frozenAt).Select(s => s.Ms).Order().ToArray();
        string Line(string phase, double[] ms) => string.Create(CultureInfo.InvariantCulture,
            $"frozen-auth {phase}: requests {ms.Length} p50 {At(ms, 0.50):0.0} ms p99 {At(ms, 0.99):0.0} ms max {(ms.Length == 0 ? double.NaN : ms[^1]):0.0} ms");
        var lines = new[] { Line("before", before), Line("during", during) };
        foreach (var line in lines) output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("GOMICRO_BENCH_FROZEN_AUTH") is { Length: > 0 } file) File.AppendAllLines(file, lines);

        Assert.True(during.Length >= 50, $"only {during.Length} requests ran during the freeze");
        Assert.Empty(all.Where(s => s.Problem is not null).Select(s => s.Problem).Take(10));
    }

    [Fact]
    public async Task The_first_request_after_the_only_auth_process_is_killed_is_a_503_like_the_next_ones()
    {
        var auth = await StartAsync("auth", "auth");
        var blog = await StartAsync("blog", "blog");
        using var authClient = new HttpClient { BaseAddress = new Uri(auth.Address) };
        var email = $"killed-{Guid.NewGuid():N}@example.com";
        (await authClient.PostEnvelopeAsync("/auth/signup/basic", new { email, password = "secret-password", name = "Killed" })).ShouldSucceed();
        var (exitCode, commandOutput) = await auth.RunCommandAsync("user", "grant-role", email, RoleCodes.Author);
        Assert.True(exitCode == 0, commandOutput);
        var token = (await authClient.PostEnvelopeAsync("/auth/signin/basic", new { email, password = "secret-password" }))
            .ShouldSucceed().Data.GetProperty("tokens").GetProperty("accessToken").GetString()!;
        using var client = new HttpClient { BaseAddress = new Uri(blog.Address), Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < 20; i++) (await client.GetEnvelopeAsync("/blog/author/drafts?page=1&limit=10", token)).ShouldSucceed();

        auth.Kill();
        var answers = new List<(double Ms, Envelope Answer)>();
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var answer = await client.GetEnvelopeAsync("/blog/author/drafts?page=1&limit=10", token);
            answers.Add((Stopwatch.GetElapsedTime(started).TotalMilliseconds, answer));
        }

        var line = string.Create(CultureInfo.InvariantCulture,
            $"killed-auth: first request {answers[0].Ms:0.0} ms, next {string.Join(", ", answers.Skip(1).Select(a => a.Ms.ToString("0.0", CultureInfo.InvariantCulture)))} ms");
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("GOMICRO_BENCH_FROZEN_AUTH") is { Length: > 0 } file) File.AppendAllLines(file, [line]);
        Assert.All(answers, a =>
        {
            a.Answer.ShouldFail(HttpStatusCode.ServiceUnavailable);
            Assert.StartsWith("auth service unavailable: ", a.Answer.Message);
        });
    }

    private static double At(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
