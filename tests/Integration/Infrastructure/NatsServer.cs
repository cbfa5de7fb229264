using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// A private nats-server (the Debian package's binary that scripts/test.sh installs) on a free local port, so a fixture
/// can run the reference's real subjects without meeting other test runs' instances, and can stop and start its server.
/// The shared server of <see cref="TestEnvironment.Nats"/> is never touched.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private Process? _process;
    private readonly string[] _extraArguments;

    private NatsServer(int port, string[]? extraArguments = null)
    {
        Port = port;
        // JetStream on, with a store of its own that outlives a restart (the streams' events survive, as in production).
        StoreDirectory = Directory.CreateTempSubdirectory("gomicro-nats-js-").FullName;
        _extraArguments = extraArguments ?? [];
    }

    /// <summary>Where this server keeps its JetStream data (deleted on dispose).</summary>
    public string StoreDirectory { get; }

    /// <summary>The client port.</summary>
    public int Port { get; }

    /// <summary>The client URL.</summary>
    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>True while the server process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server on a free port and waits until it accepts connections.</summary>
    public static async Task<NatsServer> StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = new NatsServer(FreePort());
            try
            {
                await server.StartAgainAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // The free port was taken between choosing and binding it: choose again.
                await server.StopAsync();
            }
        }
    }

    /// <summary>Starts the server again on the same port (after <see cref="StopAsync"/>).</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning) return;
        var debugLog = Environment.GetEnvironmentVariable("GOMICRO_TEST_NATS_LOG");
        string[] arguments = ["-a", "127.0.0.1", "-p", Port.ToString(), "-js", "-sd", StoreDirectory, .. _extraArguments,
            .. debugLog is null ? Array.Empty<string>() : ["-DV", "-l", $"{debugLog}/nats-{Port}.log"]];
        var start = new ProcessStartInfo("nats-server", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("nats-server did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("nats-server is not installed: run the tests through scripts/test.sh, which installs it", ex);
        }
        // Never outlive the test run, whatever happens to the fixture that started it.
        var started = _process;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                if (!started.HasExited) started.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        // A server that exits (port taken meanwhile) must not pass for one that listens: another server may hold the port.
        await Eventually.HoldsAsync(() => Task.FromResult(process.HasExited || AcceptsConnections()), TimeSpan.FromSeconds(10), $"nats-server listens on port {Port}");
        if (process.HasExited)
            throw new InvalidOperationException($"nats-server exited with {process.ExitCode} on port {Port}");
    }

    /// <summary>Kills the server (SIGKILL), as a crashed node: no goodbye to its clients or its routes.</summary>
    public async Task KillAsync()
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

    /// <summary>Stops the server as an operator would (SIGTERM) and waits until it has exited.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
        _process = null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(StoreDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temporary folder's cleanup.
        }
    }

    /// <summary>Starts one node of a cluster on <paramref name="port"/>: server <paramref name="name"/> of cluster
    /// <paramref name="cluster"/>, its route listener on <paramref name="clusterPort"/>, routes to <paramref name="routes"/>.</summary>
    internal static async Task<NatsServer> StartNodeAsync(int port, string name, string cluster, int clusterPort, IEnumerable<int> routes)
    {
        var server = new NatsServer(port, ["--name", name, "--cluster_name", cluster, "--cluster", $"nats://127.0.0.1:{clusterPort}",
            "--routes", string.Join(',', routes.Select(r => $"nats://127.0.0.1:{r}"))]);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>A free loopback TCP port.</summary>
    internal static int FreeLoopbackPort() => FreePort();

    private bool AcceptsConnections()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
