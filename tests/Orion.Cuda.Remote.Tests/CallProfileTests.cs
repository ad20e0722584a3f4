using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// The call profile (ORION_PROFILE): every call counted by kind, and only the calls that wait for a
/// reply timed, so that a profile says which round trips bound a program.
/// </summary>
public sealed class CallProfileTests : RemoteCudaTestBase
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    [Fact]
    public async Task Counts_queued_calls_and_times_the_ones_that_wait()
    {
        var client = await ConnectAsync(Server, new RemoteCudaClientOptions { ProfileCalls = true });
        Assert.Equal(CudaStatus.Success, client.SetDevice(0)); // queued: no reply
        Assert.Equal(CudaStatus.Success, client.SetDevice(0));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(CudaStatus.Success, client.Synchronize());
        }

        var report = client.CallProfileReport();

        Assert.NotNull(report);
        var line = report.Split('\n').Single(row => row.TrimStart().StartsWith("SynchronizeDevice ", StringComparison.Ordinal));
        var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("3", columns[1]); // sent
        Assert.Equal("3", columns[2]); // waited for a reply
        Assert.True(double.Parse(columns[3], System.Globalization.CultureInfo.InvariantCulture) > 0);
        var queued = report.Split('\n').Single(row => row.TrimStart().StartsWith("SetDevice ", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["2", "0", "0.0"], queued[1..4]);
    }

    [Fact]
    public void Is_off_unless_asked_for()
    {
        Assert.Null(Gpu.Client.CallProfileReport());
    }
}
