using System.Buffers;
using Microsoft.Extensions.Logging;
using Orion.Transport.SharedMemory.Native;
using Orion.Transport.Tcp;

namespace Orion.Transport.SharedMemory.Tests;

/// <summary><c>auto://host:port</c>: shared memory when the server's socket for the port is on this host,
/// TCP otherwise or when shared memory cannot be set up, and the reason logged either way.</summary>
public sealed class AutoSelectionTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _socketDirectory = Directory.CreateTempSubdirectory("orion-shm-auto-").FullName;
    private readonly ListLogger _log = new();
    private readonly SharedMemoryTransport _shm;
    private readonly TransportFactory _factory;

    public AutoSelectionTests()
    {
        _shm = new SharedMemoryTransport(new SharedMemoryTransportSettings { SocketDirectory = _socketDirectory });
        _factory = new TransportFactory().Add(new TcpTransport()).AddSharedMemoryWhenLocal(_shm, _log);
    }

    [Fact]
    public async Task Picks_shared_memory_when_the_servers_socket_is_on_this_host()
    {
        await using var tcp = await _factory.ListenAsync(new TransportEndpoint("tcp", "127.0.0.1", 0));
        var port = tcp.Endpoint.Port;
        await using var shm = await _factory.ListenAsync(TransportEndpoint.Parse($"shm://localhost:{port}"));
        Assert.True(File.Exists(Path.Combine(_socketDirectory, $"orion-{port}.sock")));
        var accept = shm.AcceptAsync().AsTask();

        await using var client = await _factory.ConnectAsync(TransportEndpoint.Parse($"auto://127.0.0.1:{port}")).AsTask().WaitAsync(Timeout);
        await using var server = await accept.WaitAsync(Timeout);
        Assert.IsAssignableFrom<ISharedMemoryRegions>(client);
        Assert.Contains(_log.Lines, line => line.Contains("uses shm", StringComparison.Ordinal) && line.Contains("on this host", StringComparison.Ordinal));
        await client.SendAsync(new byte[] { 1, 2 });
        Assert.Equal(new byte[] { 1, 2 }, (await server.ReceiveAsync().AsTask().WaitAsync(Timeout)).ToArray());
    }

    [Fact]
    public async Task Falls_back_to_tcp_when_there_is_no_socket_and_says_why()
    {
        await using var tcp = await _factory.ListenAsync(new TransportEndpoint("tcp", "127.0.0.1", 0));
        var accept = tcp.AcceptAsync().AsTask();
        await using var client = await _factory.ConnectAsync(TransportEndpoint.Parse($"auto://127.0.0.1:{tcp.Endpoint.Port}")).AsTask().WaitAsync(Timeout);
        await using var server = await accept.WaitAsync(Timeout);
        Assert.False(client is ISharedMemoryRegions);
        Assert.Contains(_log.Lines, line => line.Contains("uses tcp", StringComparison.Ordinal) && line.Contains("no server socket", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Falls_back_to_tcp_when_the_socket_is_stale()
    {
        await using var tcp = await _factory.ListenAsync(new TransportEndpoint("tcp", "127.0.0.1", 0));
        var port = tcp.Endpoint.Port;
        using (var stale = UnixSocket.Create())
        {
            UnixSocket.Bind(stale, Path.Combine(_socketDirectory, $"orion-{port}.sock"), 1); // a server that died
        }
        var accept = tcp.AcceptAsync().AsTask();
        await using var client = await _factory.ConnectAsync(TransportEndpoint.Parse($"auto://localhost:{port}")).AsTask().WaitAsync(Timeout);
        await using var server = await accept.WaitAsync(Timeout);
        Assert.False(client is ISharedMemoryRegions);
        Assert.Contains(_log.Lines, line => line.Contains("uses tcp", StringComparison.Ordinal) && line.Contains("setup failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_listening_on_auto_listens_with_the_fallback()
    {
        await using var listener = await _factory.ListenAsync(new TransportEndpoint("auto", "127.0.0.1", 0));
        Assert.Equal("tcp", listener.Endpoint.Scheme);
    }

    public void Dispose() => Directory.Delete(_socketDirectory, recursive: true);

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }
}
