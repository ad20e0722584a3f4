using System.Buffers;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// The far side of the Orion benchmarks, mirroring <see cref="RawSocketPeers"/>: an echo for
/// ping-pong, and sinks for message and bulk streaming that acknowledge each burst with a
/// one-byte message. Each is one long-running async method, so it allocates its state once,
/// not per message. They end when the benchmark closes its connection.
/// </summary>
internal static class OrionPeers
{
    private static readonly ReadOnlyMemory<byte> s_ack = new byte[1];

    public static async Task EchoAsync(TransportConnection connection, int messageSize)
    {
        // A message that arrives in several pipe segments must be made contiguous to go back as one.
        var contiguous = GC.AllocateUninitializedArray<byte>(messageSize, pinned: true);
        await RunUntilClosed(async () =>
        {
            while (true)
            {
                var message = await connection.ReceiveAsync();
                if (message.IsSingleSegment)
                {
                    await connection.SendAsync(message.First);
                }
                else
                {
                    message.CopyTo(contiguous);
                    await connection.SendAsync(contiguous.AsMemory(0, (int)message.Length));
                }
            }
        });
    }

    public static Task MessageSinkAsync(TransportConnection connection, int messagesPerBurst) => RunUntilClosed(async () =>
    {
        while (true)
        {
            for (var i = 0; i < messagesPerBurst; i++)
            {
                await connection.ReceiveAsync();
            }
            await connection.SendAsync(s_ack);
        }
    });

    public static async Task BulkSinkAsync(TransportConnection connection, int bulkSize, int transfersPerBurst)
    {
        var destination = GC.AllocateUninitializedArray<byte>(bulkSize, pinned: true);
        await RunUntilClosed(async () =>
        {
            while (true)
            {
                for (var i = 0; i < transfersPerBurst; i++)
                {
                    await connection.ReceiveBulkAsync(destination);
                }
                await connection.SendAsync(s_ack);
            }
        });
    }

    private static async Task RunUntilClosed(Func<Task> loop)
    {
        try
        {
            await loop();
        }
        catch (TransportException ex) when (ex.Error is TransportError.ConnectionClosed or TransportError.ConnectionReset or TransportError.ConnectionAborted)
        {
            // The benchmark closed its end: the loop's work is over.
        }
    }
}
