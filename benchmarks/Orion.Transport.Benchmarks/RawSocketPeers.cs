using System.Net.Sockets;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// The far side of the raw-socket baselines: an echo for ping-pong and a sink that acknowledges
/// each burst for streaming, each as an async loop and as a loop on its own blocking thread.
/// They end when the benchmark closes its socket.
/// </summary>
internal static class RawSocketPeers
{
    /// <summary>Bytes the sink reads per receive call; large enough that a receive drains what the kernel holds.</summary>
    public const int SinkReceiveBufferSize = 4 * 1024 * 1024;

    public static Task EchoAsync(Socket socket, int messageSize) => RunUntilClosed(async () =>
    {
        var buffer = GC.AllocateUninitializedArray<byte>(messageSize, pinned: true);
        while (true)
        {
            await SocketIo.ReceiveExactlyAsync(socket, buffer);
            await SocketIo.SendAllAsync(socket, buffer);
        }
    });

    public static Thread StartBlockingEcho(Socket socket, int messageSize) => StartThread("raw-echo", () =>
    {
        var buffer = GC.AllocateUninitializedArray<byte>(messageSize, pinned: true);
        while (true)
        {
            SocketIo.ReceiveExactly(socket, buffer);
            SocketIo.SendAll(socket, buffer);
        }
    });

    public static Task SinkAsync(Socket socket, long burstBytes) => RunUntilClosed(async () =>
    {
        // As Memory: a byte[] argument would bind to the ArraySegment overload, which allocates a Task per call.
        Memory<byte> buffer = GC.AllocateUninitializedArray<byte>(SinkReceiveBufferSize, pinned: true);
        var ack = new byte[1];
        long pending = 0;
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (received == 0)
            {
                return;
            }
            pending += received;
            for (; pending >= burstBytes; pending -= burstBytes)
            {
                await SocketIo.SendAllAsync(socket, ack);
            }
        }
    });

    public static Thread StartBlockingSink(Socket socket, long burstBytes) => StartThread("raw-sink", () =>
    {
        var buffer = GC.AllocateUninitializedArray<byte>(SinkReceiveBufferSize, pinned: true);
        Span<byte> ack = stackalloc byte[1];
        long pending = 0;
        while (true)
        {
            var received = socket.Receive(buffer, SocketFlags.None);
            if (received == 0)
            {
                return;
            }
            pending += received;
            for (; pending >= burstBytes; pending -= burstBytes)
            {
                SocketIo.SendAll(socket, ack);
            }
        }
    });

    private static async Task RunUntilClosed(Func<Task> loop)
    {
        try
        {
            await loop();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or EndOfStreamException)
        {
            // The benchmark closed its end: the loop's work is over.
        }
    }

    private static Thread StartThread(string name, Action loop)
    {
        var thread = new Thread(() =>
        {
            try
            {
                loop();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or EndOfStreamException)
            {
                // The benchmark closed its end: the loop's work is over.
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return thread;
    }
}
