using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// The built Host binary (GoMicro.Host.dll next to the test binaries, with its appsettings.json) as an operating-system
/// process of its own on a loopback port, so a test can do to an instance what an orchestrator or a crash does:
/// SIGKILL it (<see cref="Kill"/>), SIGTERM it (<see cref="TerminateAsync"/>) and start it again on the same address.
/// Settings are the same keys as <see cref="GoMicroHostFactory"/> takes, passed as environment variables (<c>A:B</c>
/// as <c>A__B</c>); the environment is Testing. The process's output is kept for failure messages.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly string _name;
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly string _startedPath;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private HostProcess(string name, IReadOnlyDictionary<string, string?> settings, int port, string startedPath)
    {
        _name = name;
        _settings = settings;
        _startedPath = startedPath;
        Port = port;
    }

    /// <summary>The HTTP port the process listens on, the same across restarts.</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:{port}</c>.</summary>
    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the process wrote (stdout and stderr).</summary>
    public string OutputTail => string.Join('\n', _output.TakeLast(60));

    /// <summary>True when any line the process wrote so far (stdout and stderr, across restarts) matches
    /// <paramref name="line"/>.</summary>
    public bool HasWritten(Func<string, bool> line) => _output.Any(line);

    /// <summary>Starts the process on a free port and waits until <paramref name="startedPath"/> answers 200: by default
    /// <c>/health/ready</c>, as an orchestrator waits; <c>/health/live</c> for a process that is not meant to be ready.</summary>
    public static async Task<HostProcess> StartAsync(string name, IReadOnlyDictionary<string, string?> settings, string startedPath = "/health/ready")
    {
        for (var attempt = 1; ; attempt++)
        {
            var host = new HostProcess(name, settings, FreePort(), startedPath);
            try
            {
                await host.StartAgainAsync();
                return host;
            }
            catch (InvalidOperationException) when (attempt < 3 && host.OutputTail.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // The free port was taken between choosing and binding it: choose again.
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>Starts the process again on the same port (after <see cref="Kill"/> or <see cref="TerminateAsync"/>)
    /// and waits until it is ready.</summary>
    /// <exception cref="InvalidOperationException">The process exited or was not ready within two minutes; the message has its output.</exception>
    public async Task StartAgainAsync()
    {
        if (IsRunning) return;
        var start = StartInfo(_settings, []);
        start.Environment["ASPNETCORE_URLS"] = Address;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{_name} did not start");
        _process = process;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                if (!process.HasExited) process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{_name} exited with {process.ExitCode} before it was ready:\n{OutputTail}");
            try
            {
                using var response = await client.GetAsync(Address + _startedPath);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"{_name} was not ready within two minutes:\n{OutputTail}");
    }

    /// <summary>
    /// Runs the binary with <paramref name="arguments"/> (an admin command, or none for the web server on a free port)
    /// until it exits, as an operator's shell would, and returns its exit code and what it wrote on each stream.
    /// </summary>
    /// <exception cref="TimeoutException">It had not exited after <paramref name="timeout"/> (it is killed).</exception>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunToExitAsync(
        IReadOnlyDictionary<string, string?> settings, string[] arguments, TimeSpan timeout)
    {
        var start = StartInfo(settings, arguments);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the binary did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the binary had not exited after {timeout.TotalSeconds:0} s: {await output}{await error}");
        }
        return (process.ExitCode, await output, await error);
    }

    /// <summary>The binary (<c>dotnet GoMicro.Host.dll</c>) with <paramref name="settings"/> as environment variables
    /// (<c>A:B</c> as <c>A__B</c>), in the Testing environment, both streams redirected.</summary>
    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string?> settings, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "GoMicro.Host.dll"), .. arguments])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Configuration comes from the settings only, never from a variable the developer's shell happens to export.
        foreach (var key in start.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        return start;
    }

    /// <summary>SIGKILL: the process ends at once, with no drain; connections to it break mid-request.</summary>
    public void Kill()
    {
        if (IsRunning) _process!.Kill();
    }

    /// <summary>Freezes the process (SIGSTOP), as a hung instance: its connections stay open, it answers nothing.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>Lets a paused process run again (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    /// <summary>Runs an admin command (<c>user grant-role ...</c>) on the built binary with this process's settings, as an
    /// operator would next to the running process; returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunCommandAsync(params string[] words)
    {
        var (exitCode, output, error) = await RunToExitAsync(_settings, words, TimeSpan.FromMinutes(2));
        return (exitCode, output + error);
    }

    private async Task SignalAsync(string signal)
    {
        if (!IsRunning) return;
        using var kill = Process.Start("kill", [$"-{signal}", _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits until a killed or terminated process has exited.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is null) return;
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
    }

    /// <summary>SIGTERM, as an orchestrator stops an instance: returns once the process has drained and exited.</summary>
    public async Task TerminateAsync()
    {
        if (!IsRunning) return;
        using (var term = Process.Start("kill", ["-TERM", _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await term.WaitForExitAsync();
        await WaitForExitAsync(TimeSpan.FromSeconds(60));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _process = null;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 200) _output.TryDequeue(out _);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
