using Orion.Transport.Tests;

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
        Assert.True(perRoundTrip < 16, $"{perRoundTrip:0.0} bytes allocated per round trip");
    }
}
