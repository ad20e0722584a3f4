using Orion.Transport.Tests;

// Limits (the counter is process-wide, so other threads add some noise): 32 B per transfer for SENDs;
// 128 B at 4 KiB; 320 B at 64 KiB, where a staged bulk transfer still allocates ~200 B each, not traced
// yet (not the ArrayPool: a private never-trimmed pool measured the same). Each limit fails the
// regression fixed here: async methods without a pooled builder, and nested pooled ones, boxed state
// machines on every suspension: 260 B per 4 KiB message, 530-550 B per 64 KiB round trip or transfer.

namespace Orion.Transport.Rdma.Tests;

/// <summary>Runs alone: it reads the process-wide allocation counter, which other tests would disturb.</summary>
[CollectionDefinition(nameof(RdmaSteadyStateAllocationTests), DisableParallelization = true)]
public sealed class RdmaSteadyStateAllocationTestGroup;

[Collection(nameof(RdmaSteadyStateAllocationTests))]
public sealed class RdmaSteadyStateAllocationTests
{
    [ReleaseOnlyTheory]
    [InlineData(64)]    // inline SEND
    [InlineData(2000)]  // SEND through a registered send buffer
    [InlineData(4096)]  // + the 16 B header exceeds a receive buffer: start frame + one WRITE with immediate, staged
    [InlineData(65536)] // start frame + a WRITE with immediate into one 256 KiB slot, staged
    public async Task Message_ping_pong_over_software_rdma_allocates_nothing_per_message(int size)
    {
        await using var pair = await SoftwareConnections.CreateAsync(RdmaTransportSettings.Default);
        var echo = Task.Run(async () =>
        {
            var reply = new byte[size];
            try
            {
                while (true)
                {
                    var message = await pair.Server.ReceiveAsync();
                    System.Buffers.BuffersExtensions.CopyTo(message, reply.AsSpan());
                    await pair.Server.SendAsync(reply.AsMemory(0, (int)message.Length));
                }
            }
            catch (TransportException)
            {
            }
        });
        var request = new byte[size];

        async Task RoundTripsAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                request[0] = (byte)i;
                await pair.Client.SendAsync(request);
                var response = await pair.Client.ReceiveAsync();
                if (response.Length != request.Length || response.FirstSpan[0] != (byte)i)
                {
                    // Not Assert.Equal: xunit's comparers allocate, which is what this test counts.
                    throw new InvalidOperationException($"round trip {i} returned the wrong message");
                }
            }
        }

        await RoundTripsAsync(1_000).WaitAsync(TimeSpan.FromSeconds(60)); // warm up: pools, JIT, tiering
        const int measured = 5_000;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await RoundTripsAsync(measured).WaitAsync(TimeSpan.FromSeconds(120));
        var perRoundTrip = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)measured;

        pair.Client.Abort("test over");
        await echo.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(perRoundTrip < Limit(size), $"{perRoundTrip:0.0} bytes allocated per round trip");
    }

    [ReleaseOnlyTheory]
    [InlineData(64, false)]
    [InlineData(4096, false)]
    [InlineData(65536, false)]
    [InlineData(64, true)]
    [InlineData(4096, true)]
    [InlineData(65536, true)]
    public async Task Streaming_over_software_rdma_allocates_nothing_per_transfer(int size, bool bulk)
    {
        await using var pair = await SoftwareConnections.CreateAsync(RdmaTransportSettings.Default);
        const int warmUp = 1_000;
        const int measured = 5_000;
        // Three measured windows, the least counted: an await that finishes asynchronously because a 2-core
        // machine was busy elsewhere may box a state machine the pool did not hold; an allocation per transfer
        // shows in every window.
        const int windows = 3;
        var sink = Task.Run(async () =>
        {
            var destination = new byte[size];
            for (var i = 0; i < warmUp + windows * measured; i++)
            {
                if (bulk)
                {
                    await pair.Server.ReceiveBulkAsync(destination);
                }
                else if ((await pair.Server.ReceiveAsync()).Length != size)
                {
                    throw new InvalidOperationException($"message {i} has the wrong length");
                }
            }
        });
        var payload = new byte[size];

        async Task SendAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                if (bulk)
                {
                    await pair.Client.SendBulkAsync(payload);
                }
                else
                {
                    await pair.Client.SendAsync(payload);
                }
            }
        }

        await SendAsync(warmUp).WaitAsync(TimeSpan.FromSeconds(60));
        var perTransfer = double.MaxValue;
        for (var window = 0; window < windows; window++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            await SendAsync(measured).WaitAsync(TimeSpan.FromSeconds(120));
            perTransfer = Math.Min(perTransfer, (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)measured);
        }
        await sink.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(perTransfer < Limit(size), $"{perTransfer:0.0} bytes allocated per {(bulk ? "bulk transfer" : "message")}");
    }

    private static double Limit(int size) => RdmaFrameHeader.Size + size <= RdmaTransportSettings.Default.ReceiveBufferSize ? 32 : size <= 4096 ? 128 : 320;
}
