using System.Reflection;
using System.Net.Sockets;
using System.Text;
using NATS.Client;

namespace GoMicro.BusRoundTrip;

/// <summary>
/// The baseline under the NATS transport: the NATS.Client 0.8.0 library alone (the one NATS client this environment can
/// restore), one connection replying to another through nats-server with the same bytes, no envelope work, no DI. The
/// difference between this row and the IModuleBus-over-NATS row is what the adapter adds; this row itself is what the
/// library and the server cost.
/// </summary>
internal sealed class RawNats : IDisposable
{
    private static readonly byte[] Request = Encoding.UTF8.GetBytes("""{"data":{"value":"ping"}}""");
    private readonly IConnection _responder;
    private readonly IConnection _requester;
    private readonly IAsyncSubscription _subscription;
    private readonly Flusher? _flusher;
    private readonly bool _yield;

    private readonly Requests? _requests;

    public RawNats(string url, bool flushReplies, bool noDelay, bool yieldAfterReply, bool ownRequests = false)
    {
        var factory = new ConnectionFactory();
        _responder = factory.CreateConnection(Options(url, "bench-responder"));
        _requester = factory.CreateConnection(Options(url, "bench-requester"));
        if (noDelay) { SetNoDelay(_responder); SetNoDelay(_requester); }
        _yield = yieldAfterReply;
        if (flushReplies) _flusher = new Flusher(_responder);
        if (ownRequests) _requests = new Requests(_requester);
        _subscription = _responder.SubscribeAsync(Subjects.Echo + ".raw", "bench", (_, args) =>
        {
            _responder.Publish(args.Message.Reply, args.Message.Data);
            _flusher?.Kick();
        });
        _responder.Flush();
    }

    public async Task CallAsync()
    {
        if (_requests is not null) await _requests.RequestAsync(Subjects.Echo + ".raw", Request);
        else if (_yield) await _requester.RequestAsync(Subjects.Echo + ".raw", Request, 5000).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        else await _requester.RequestAsync(Subjects.Echo + ".raw", Request, 5000);
    }

    private static Options Options(string url, string name)
    {
        var options = ConnectionFactory.GetDefaultOptions();
        options.Url = url;
        options.Name = name;
        return options;
    }

    private static void SetNoDelay(IConnection connection)
    {
        var conn = typeof(Connection).GetField("conn", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(connection)!;
        var client = (TcpClient)conn.GetType().GetField("client", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(conn)!;
        client.NoDelay = true;
    }

    public void Dispose()
    {
        _subscription.Unsubscribe();
        _requests?.Dispose();
        _flusher?.Dispose();
        _requester.Dispose();
        _responder.Dispose();
    }

    /// <summary>
    /// Request-reply without the library's RequestAsync, which runs each request on a thread-pool thread that then blocks
    /// for a PING/PONG round trip (its Flush) and completes the caller on the reply subscription's single delivery thread:
    /// one wildcard inbox subscription, a publish with a reply subject, the coalesced <see cref="Flusher"/> instead of a
    /// PING per request, and continuations off the library's thread.
    /// </summary>
    private sealed class Requests : IDisposable
    {
        private readonly IConnection _connection;
        private readonly string _inbox = "_INBOX." + Guid.NewGuid().ToString("N");
        private readonly System.Collections.Concurrent.ConcurrentDictionary<long, TaskCompletionSource<byte[]>> _waiting = new();
        private readonly IAsyncSubscription _replies;
        private readonly Flusher _flusher;
        private long _next;

        public Requests(IConnection connection)
        {
            _connection = connection;
            _flusher = new Flusher(connection);
            _replies = connection.SubscribeAsync(_inbox + ".*", (_, args) =>
            {
                var subject = args.Message.Subject;
                if (long.TryParse(subject.AsSpan(subject.LastIndexOf('.') + 1), out var id) && _waiting.TryRemove(id, out var waiter))
                    waiter.TrySetResult(args.Message.Data);
            });
            connection.Flush();
        }

        public async Task<byte[]> RequestAsync(string subject, byte[] payload)
        {
            var id = Interlocked.Increment(ref _next);
            var waiter = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[id] = waiter;
            _connection.Publish(subject, _inbox + "." + id, payload);
            _flusher.Kick();
            try
            {
                return await waiter.Task.WaitAsync(TimeSpan.FromSeconds(5));
            }
            finally
            {
                _waiting.TryRemove(id, out _);
            }
        }

        public void Dispose()
        {
            _replies.Unsubscribe();
            _flusher.Dispose();
        }
    }

    /// <summary>Pushes published replies out at once (a PING/PONG flush on its own thread, coalesced) instead of
    /// leaving them to the library's flusher thread, which sleeps 1 ms before every flush.</summary>
    private sealed class Flusher : IDisposable
    {
        private readonly IConnection _connection;
        private readonly SemaphoreSlim _signal = new(0);
        private readonly Thread _thread;
        private int _pending;
        private volatile bool _stop;

        public Flusher(IConnection connection)
        {
            _connection = connection;
            _thread = new Thread(Loop) { IsBackground = true, Name = "reply flusher" };
            _thread.Start();
        }

        public void Kick()
        {
            if (Interlocked.Exchange(ref _pending, 1) == 0) _signal.Release();
        }

        private void Loop()
        {
            while (!_stop)
            {
                _signal.Wait();
                Interlocked.Exchange(ref _pending, 0);
                try { _connection.Flush(1000); } catch (NATSException) { }
            }
        }

        public void Dispose()
        {
            _stop = true;
            _signal.Release();
        }
    }
}
