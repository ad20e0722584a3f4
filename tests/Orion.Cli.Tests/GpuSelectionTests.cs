using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

namespace Orion.Cli.Tests;

/// <summary><c>orion run --gpus N</c>'s choice of sessions from what each server reported.</summary>
public sealed class GpuSelectionTests
{
    private const ulong MiB = 1024 * 1024;

    private static ServerReport Plain(string host, int devices) =>
        new(new TransportEndpoint("tcp", host, 7000), "d", 13000, null,
            [.. Enumerable.Range(0, devices).Select(_ => new DeviceReport("G", "", 1024 * MiB, 0, null))])
        {
            VGpus = [],
        };

    /// <summary>A server with vGPUs of 512 MiB on device 0, holders as given (0: free); the query's own session is 99.</summary>
    private static ServerReport Divided(string host, params ulong[] holders) =>
        new(new TransportEndpoint("tcp", host, 7000), "d", 13000, null, [new DeviceReport("G", "", 512 * MiB, 0, null)], new VGpuAssignment(0, 0, 512 * MiB, 25))
        {
            SessionId = 99,
            VGpus = [.. holders.Select((holder, slice) => new ServerVGpuStatus(0, slice, 512 * MiB, 25, holder))],
        };

    [Fact]
    public void Undivided_servers_give_all_their_devices_to_one_session_each_in_order()
    {
        var selection = GpuSelection.Choose(3, [Plain("a", 2), Plain("b", 2), Plain("c", 2)], VGpuRequest.None);
        Assert.Equal("tcp://a:7000,tcp://b:7000", selection.ServerList);
        Assert.Equal(3, selection.Count);
        Assert.Equal("tcp://a:7000", GpuSelection.Choose(1, [Plain("a", 2), Plain("b", 2)], VGpuRequest.None).ServerList);
    }

    [Fact]
    public void A_server_with_vGPUs_is_listed_once_per_free_vGPU_and_the_querys_own_counts_as_free()
    {
        // vGPU 0 held by the query itself (99), 1 by another tenant, 2 and 3 free.
        var selection = GpuSelection.Choose(3, [Divided("v", 99, 5, 0, 0)], VGpuRequest.None);
        Assert.Equal("tcp://v:7000,tcp://v:7000,tcp://v:7000", selection.ServerList);
        var mixed = GpuSelection.Choose(4, [Divided("v", 99, 5), Plain("a", 8)], VGpuRequest.None);
        Assert.Equal("tcp://v:7000,tcp://a:7000", mixed.ServerList);
    }

    [Fact]
    public void Only_vGPUs_that_have_what_the_run_asks_for_count()
    {
        var error = Assert.Throws<CliException>(() => GpuSelection.Choose(1, [Divided("v", 0, 0)], new VGpuRequest(1024 * MiB)));
        Assert.Equal("--gpus 1: only 0 GPUs available (tcp://v:7000 has 0 free vGPUs with 1 GiB (of 2))", error.Message);
        Assert.Equal(ExitCodes.Failure, error.ExitCode);
        Assert.Throws<CliException>(() => GpuSelection.Choose(1, [Divided("v", 0)], new VGpuRequest(SharePercent: 50)));
        Assert.Throws<CliException>(() => GpuSelection.Choose(1, [Divided("v", 0)], new VGpuRequest(Device: 1)));
        Assert.Single(GpuSelection.Choose(1, [Divided("v", 0)], new VGpuRequest(512 * MiB, 25, 0)).Sessions);
    }

    [Fact]
    public void An_undivided_server_asked_for_a_vGPU_places_every_session_on_one_device_so_gives_one()
    {
        Assert.Equal((1, false), GpuSelection.Offer(Plain("a", 4), new VGpuRequest(256 * MiB)));
        Assert.Equal((4, false), GpuSelection.Offer(Plain("a", 4), VGpuRequest.None));
    }

    [Fact]
    public void More_sessions_than_a_program_may_open_is_refused()
    {
        var holders = new ulong[20];
        var error = Assert.Throws<CliException>(() => GpuSelection.Choose(17, [Divided("v", holders)], VGpuRequest.None));
        Assert.Equal("--gpus 17: that takes 17 sessions (a vGPU each); a program may open at most 16", error.Message);
    }
}
