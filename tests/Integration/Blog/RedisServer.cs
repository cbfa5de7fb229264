using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using GoMicro.Integration.Tests.Infrastructure;
using StackExchange.Redis;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>
/// A redis-server of the test's own on a spare port, so a test can kill, restart, pause and resume it without touching
/// the shared Redis other tests use. Started from the Debian package's binary, without persistence.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private RedisServer(int port) => Port = port;

    /// <summary>The TCP port it listens on (the same across restarts).</summary>
    public int Port { get; }

    /// <summary>StackExchange.Redis configuration for it.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Starts a server on a free port.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreePort());
        await server.StartAsync(true);
        return server;
    }

    /// <summary>Starts (again) on <see cref="Port"/> and waits until it answers PING.</summary>
    public async Task StartAsync(bool fresh = false)
    {
        if (!fresh && _process is { HasExited: false }) throw new InvalidOperationException("already running");
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
            start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.HoldsAsync(PingAsync, TimeSpan.FromSeconds(10), $"redis-server answers PING on port {Port}");
    }

    /// <summary>Kills the server (SIGKILL): connections drop, and its data is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open, nothing is answered, data is kept.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>Thaws a paused server (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    /// <summary>True when the server answers PING.</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>The keys matching <paramref name="pattern"/> on the Redis at <paramref name="configuration"/>.</summary>
    public static async Task<string[]> KeysAsync(string configuration, string pattern)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        return server.Keys(pattern: pattern).Select(k => (string)k!).ToArray();
    }

    /// <summary>Deletes the keys matching <paramref name="pattern"/> on the Redis at <paramref name="configuration"/>.</summary>
    /// <returns>How many were deleted.</returns>
    public static async Task<long> DeleteKeysAsync(string configuration, string pattern)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var keys = server.Keys(pattern: pattern).ToArray();
        return keys.Length == 0 ? 0 : await connection.GetDatabase().KeyDeleteAsync(keys);
    }

    /// <summary>The keys matching <paramref name="pattern"/> on this server.</summary>
    public Task<string[]> KeysAsync(string pattern) => KeysAsync(ConnectionString, pattern);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) await ResumeAsync();   // a stopped process must be thawed to die cleanly
        await KillAsync();
        _process.Dispose();
    }

    private async Task SignalAsync(string signal)
    {
        if (_process is null || _process.HasExited) return;
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString()]);
        await kill.WaitForExitAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
