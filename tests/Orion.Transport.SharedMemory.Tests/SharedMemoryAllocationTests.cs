using System.Buffers;
using Orion.Transport.Tests;

namespace Orion.Transport.SharedMemory.Tests;

/// <summary>Runs alone: it reads the process-wide allocation counter, which other tests would disturb.</summary>
[CollectionDefinition(nameof(SharedMemoryAllocationTests), DisableParallelization = true)]
public sealed class SharedMemoryAllocationTestGroup;

/// <summary>Steady state allocates nothing per round trip, asynchronous or synchronous, for messages read
/// in place and for ones that stream through the ring.</summary>
[Collection(nameof(SharedMemoryAllocationTests))]
public sealed class SharedMemoryAllocationTests
{
    [ReleaseOnlyTheory]
    [InlineData(64, false, 20_000)]
    [InlineData(4096, false, 20_000)]
    [InlineData(1024 * 1024, false, 1_000)] // four rings' worth: streams through
    [InlineData(64, true, 20_000)]
    [InlineData(1024 * 1024, true, 1_000)]
    public async Task Message_ping_pong_allocates_nothing_per_message(int size, bool synchronous, int measured)
    {
        var transport = new SharedMemoryTransport(new SharedMemoryTransportSettings { RingCapacity = 256 * 1024 });
        var options = new TransportOptions();
        await using var listener = await transport.ListenAsync(TestSockets.NewEndpoint(), options);
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(listener.Endpoint, options);
        await using var server = await accept.WaitAsync(TimeSpan.FromSeconds(30));
        var echo = Task.Factory.StartNew(() =>
        {
            var reply = new byte[size];
            try
            {
                while (true)
                {
                    var message = server.Receive();
                    message.CopyTo(reply.AsSpan());
                    BlockingWait.Wait(server.SendAsync(reply.AsMemory(0, (int)message.Length)));
                }
            }
            catch (TransportException)
            {
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var request = new byte[size];

        async Task RoundTripsAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                request[0] = (byte)i;
                await client.SendAsync(request);
                var response = synchronous ? client.Receive() : await client.ReceiveAsync();
                if (response.Length != request.Length || response.FirstSpan[0] != (byte)i)
                {
                    throw new InvalidOperationException($"round trip {i} returned the wrong message");
                }
            }
        }

        await Task.Run(() => RoundTripsAsync(Math.Max(measured / 10, 500))).WaitAsync(TimeSpan.FromSeconds(60));
        const int windows = 5;
        var perRoundTrip = double.MaxValue;
        for (var window = 0; window < windows; window++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            await Task.Run(() => RoundTripsAsync(measured / windows)).WaitAsync(TimeSpan.FromSeconds(60));
            perRoundTrip = Math.Min(perRoundTrip, (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)(measured / windows));
        }

        client.Abort("test over");
        await echo.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(perRoundTrip < 16, $"{perRoundTrip:0.0} bytes allocated per round trip");
    }
}
