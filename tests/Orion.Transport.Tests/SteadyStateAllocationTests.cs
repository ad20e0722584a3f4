using System.Buffers;
using Orion.Transport.InMemory;
using Orion.Transport.Tcp;

namespace Orion.Transport.Tests;

/// <summary>Runs alone: it reads the process-wide allocation counter, which other tests would disturb.</summary>
[CollectionDefinition(nameof(SteadyStateAllocationTests), DisableParallelization = true)]
public sealed class SteadyStateAllocationTestGroup;

[Collection(nameof(SteadyStateAllocationTests))]
public sealed class SteadyStateAllocationTests
{
    [ReleaseOnlyTheory]
    [InlineData("tcp", 64, 20_000)]
    [InlineData("tcp", 4096, 20_000)]
    [InlineData("tcp", 1024 * 1024, 2_000)] // above the reader's buffer: read straight from the socket
    [InlineData("inproc", 64, 20_000)]
    public async Task Message_ping_pong_allocates_nothing_per_message(string scheme, int size, int measured)
    {
        ITransport transport = scheme == "tcp" ? new TcpTransport() : new InMemoryTransport();
        var listenOn = scheme == "tcp" ? new TransportEndpoint(scheme, "127.0.0.1", 0) : new TransportEndpoint(scheme, "allocations", 0);
        var options = new TransportOptions();
        await using var listener = await transport.ListenAsync(listenOn, options);
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(listener.Endpoint, options);
        await using var server = await accept.WaitAsync(TimeSpan.FromSeconds(30));
        var echo = Task.Run(async () =>
        {
            var reply = new byte[size];
            try
            {
                while (true)
                {
                    var message = await server.ReceiveAsync();
                    message.CopyTo(reply.AsSpan());
                    await server.SendAsync(reply.AsMemory(0, (int)message.Length));
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
                await client.SendAsync(request);
                var response = await client.ReceiveAsync();
                if (response.Length != request.Length || response.FirstSpan[0] != (byte)i)
                {
                    // Not Assert.Equal: xunit's comparers allocate, which is what this test counts.
                    throw new InvalidOperationException($"round trip {i} returned the wrong message");
                }
            }
        }

        // On the thread pool: xunit runs the test under its own SynchronizationContext, whose Post
        // allocates for every continuation that resumes on it; that is the test host's cost, not
        // the transport's.
        await Task.Run(() => RoundTripsAsync(Math.Max(measured / 10, 500))).WaitAsync(TimeSpan.FromSeconds(60)); // warm up: pools, JIT, tiering
        // The counter is process-wide, and the test host allocates in bursts of its own (result
        // serialization, reflection for the next test): the least-allocating of several windows
        // is the transport's figure.
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
        // One allocated Task or state machine per message would be 100+ bytes per round trip; the
        // allowance covers only background noise (timers, the test host).
        Assert.True(perRoundTrip < 16, $"{perRoundTrip:0.0} bytes allocated per round trip");
    }
}

/// <summary>A theory that runs only in Release builds: Debug builds compile every async state
/// machine as a class, so they allocate on every call whatever the code does.</summary>
public sealed class ReleaseOnlyTheoryAttribute : TheoryAttribute
{
    public ReleaseOnlyTheoryAttribute()
    {
#if DEBUG
        Skip = "Allocation counts are only meaningful in Release builds (scripts/test.sh uses -c Release).";
#endif
    }
}
