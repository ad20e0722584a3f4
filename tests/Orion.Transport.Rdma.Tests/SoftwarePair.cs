using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orion.Transport.Rdma.Software;
using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Tests;

/// <summary>Two connected software queue pairs on a private fabric, with pinned buffers for tests.</summary>
internal sealed class SoftwarePair : IDisposable
{
    private SoftwarePair(SoftwareQueuePair client, SoftwareQueuePair server)
    {
        Client = client;
        Server = server;
    }

    public SoftwareQueuePair Client { get; }

    public SoftwareQueuePair Server { get; }

    public static SoftwarePair Create(uint depth = 8)
    {
        var fabric = new SoftwareFabric();
        var provider = new SoftwareVerbsProvider(fabric);
        using var listener = provider.Listen("localhost", 0, 4);
        var caps = new QueueCapacities { MaxSendRequests = depth, MaxReceiveRequests = depth, MaxInlineData = 64, CompletionQueueEntries = depth * 4 };
        var client = (SoftwareQueuePair)provider.CreateClient("localhost", listener.Port, ref caps, TimeSpan.FromSeconds(5));
        var connect = Task.Run(() =>
        {
            Span<byte> peer = stackalloc byte[56];
            client.Connect([1, 2, 3], peer, out var length, TimeSpan.FromSeconds(5));
            return peer[..length].ToArray();
        });
        Span<byte> request = stackalloc byte[56];
        var server = (SoftwareQueuePair)listener.GetRequest(ref caps, TimeSpan.FromSeconds(5), request, out var requestLength)!;
        Assert.Equal(new byte[] { 1, 2, 3 }, request[..requestLength].ToArray());
        server.Accept([9, 8], TimeSpan.FromSeconds(5));
        Assert.Equal(new byte[] { 9, 8 }, connect.GetAwaiter().GetResult());
        return new SoftwarePair(client, server);
    }

    public static unsafe nint AddressOf(byte[] pinned) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    public static WorkCompletion[] Drain(IVerbsEndpoint endpoint)
    {
        var buffer = new WorkCompletion[64];
        var count = endpoint.PollCompletions(buffer);
        Assert.True(count >= 0);
        return buffer[..count];
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}
