using System.Net.Sockets;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// The far side of the raw-socket baselines: an echo for ping-pong and sinks that acknowledge
/// each burst for streaming, as async loops and as loops on their own blocking threads. Each async
/// loop is one long-running method with its send and receive loops written inline, so it allocates
/// nothing per message (see <see cref="SocketIo"/>). They end when the benchmark closes its socket.
/// </summary>
internal static class RawSocketPeers
{
    /// <summary>Bytes the stream sink reads per receive call; large enough that a receive drains what the kernel holds.</summary>
    public const int StreamSinkReceiveSize = 4 * 1024 * 1024;

    private static readonly ReadOnlyMemory<byte> s_ack = new byte[1];

    public static Task EchoAsync(Socket socket, int messageSize) => RunUntilClosed(async () =>
    {
        Memory<byte> buffer = GC.AllocateUninitializedArray<byte>(messageSize, pinned: true);
        while (true)
        {
            for (var received = 0; received < messageSize;)
            {
                var count = await socket.ReceiveAsync(buffer[received..], SocketFlags.None);
                received += count > 0 ? count : throw SocketIo.PeerClosedMidMessage();
            }
            for (var sent = 0; sent < messageSize;)
            {
                sent += await socket.SendAsync(buffer[sent..], SocketFlags.None);
            }
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

    /// <summary>The streaming baseline: receives each message whole into a buffer of the message's
    /// size, as Orion's sinks do (a message, or a bulk transfer into its destination), and
    /// acknowledges each burst.</summary>
    public static Task MessageSinkAsync(Socket socket, int messageSize, int messagesPerBurst) => RunUntilClosed(async () =>
    {
        Memory<byte> buffer = GC.AllocateUninitializedArray<byte>(messageSize, pinned: true);
        while (true)
        {
            for (var message = 0; message < messagesPerBurst; message++)
            {
                for (var received = 0; received < messageSize;)
                {
                    var count = await socket.ReceiveAsync(buffer[received..], SocketFlags.None);
                    received += count > 0 ? count : throw SocketIo.PeerClosedMidMessage();
                }
            }
            await socket.SendAsync(s_ack, SocketFlags.None);
        }
    });

    public static Thread StartBlockingMessageSink(Socket socket, int messageSize, int messagesPerBurst) => StartThread("raw-sink", () =>
    {
        var buffer = GC.AllocateUninitializedArray<byte>(messageSize, pinned: true);
        while (true)
        {
            for (var message = 0; message < messagesPerBurst; message++)
            {
                SocketIo.ReceiveExactly(socket, buffer);
            }
            SocketIo.SendAll(socket, s_ack.Span);
        }
    });

    /// <summary>A stream reader: reads whatever has arrived into one 4 MiB buffer, ignoring message
    /// boundaries. Not the baseline (it does less than a receiver of messages must), reported beside
    /// it because it is the best a loopback socket can do.</summary>
    public static Task StreamSinkAsync(Socket socket, long burstBytes) => RunUntilClosed(async () =>
    {
        Memory<byte> buffer = GC.AllocateUninitializedArray<byte>(StreamSinkReceiveSize, pinned: true);
        long pending = 0;
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (received == 0)
            {
                return;
            }
            for (pending += received; pending >= burstBytes; pending -= burstBytes)
            {
                await socket.SendAsync(s_ack, SocketFlags.None);
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
