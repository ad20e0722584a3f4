using Orion.Server.Core.VGpus;

namespace Orion.Server.Core.Tests.VGpus;

/// <summary>vGPUs resolved against their devices when the server starts: sizes, default shares, and what does not fit.</summary>
public sealed class VGpuLayoutTests
{
    private const ulong GiB = 1UL << 30;
    private const ulong MiB = 1UL << 20;

    private static VGpuOptions Options(double ratio = 1.0, params (int Device, DeviceVGpuOptions Division)[] devices)
    {
        var options = new VGpuOptions { MemoryOversubscription = ratio };
        foreach (var (device, division) in devices)
        {
            options.Devices[device] = division;
        }
        return options;
    }

    private static string Error(VGpuOptions options, int[] ordinals, ulong[] memory) =>
        Assert.Throws<VGpuConfigurationException>(() => VGpuLayout.Resolve(options, ordinals, memory)).Message;

    [Fact]
    public void Equal_vGPUs_share_the_memory_and_the_compute_in_whole_MiB()
    {
        var layout = VGpuLayout.Resolve(Options(1.0, (0, DeviceVGpuOptions.Equal(3))), [0, 1], [80 * GiB + 5, 40 * GiB]);
        var slices = layout.SlicesByDevice[0]!;
        Assert.Equal(3, slices.Count);
        Assert.All(slices, slice => Assert.Equal((80 * GiB / 3) / MiB * MiB, slice.MemoryBytes));
        Assert.All(slices, slice => Assert.Equal(33, slice.SharePercent));
        Assert.Equal([0, 1, 2], slices.Select(slice => slice.Index));
        Assert.Null(layout.SlicesByDevice[1]); // not listed: not divided
        Assert.True(layout.IsDivided);
    }

    [Fact]
    public void Oversubscription_makes_equal_vGPUs_larger_but_never_larger_than_the_device()
    {
        var four = VGpuLayout.Resolve(Options(1.5, (0, DeviceVGpuOptions.Equal(4))), [0], [80 * GiB]).SlicesByDevice[0]!;
        Assert.All(four, slice => Assert.Equal(30 * GiB, slice.MemoryBytes));
        Assert.All(four, slice => Assert.Equal(25, slice.SharePercent));
        var one = VGpuLayout.Resolve(Options(2, (0, DeviceVGpuOptions.Equal(1))), [0], [80 * GiB]).SlicesByDevice[0]!;
        Assert.Equal(80 * GiB, Assert.Single(one).MemoryBytes);
    }

    [Fact]
    public void Explicit_vGPUs_keep_their_order_and_unset_shares_are_their_part_of_the_memory()
    {
        var slices = VGpuLayout.Resolve(
            Options(1.0, (1, DeviceVGpuOptions.Explicit(new VGpuSliceOptions(40 * GiB, 60), new VGpuSliceOptions(20 * GiB), new VGpuSliceOptions(8 * GiB)))),
            [0, 1], [80 * GiB, 80 * GiB]).SlicesByDevice[1]!;
        Assert.Equal([(1, 0, 40 * GiB, 60), (1, 1, 20 * GiB, 25), (1, 2, 8 * GiB, 10)],
            slices.Select(slice => (slice.Device, slice.Index, slice.MemoryBytes, slice.SharePercent)));
    }

    [Fact]
    public void The_keys_are_backend_ordinals_and_the_vGPUs_carry_the_servers_device_number()
    {
        // The server exposes backend devices 3 and 1, in that order: backend 1 is the server's device 1.
        var layout = VGpuLayout.Resolve(Options(1.0, (1, DeviceVGpuOptions.Equal(2))), [3, 1], [10 * GiB, 20 * GiB]);
        Assert.Null(layout.SlicesByDevice[0]);
        Assert.All(layout.SlicesByDevice[1]!, slice => Assert.Equal((1, 10 * GiB), (slice.Device, slice.MemoryBytes)));
    }

    [Fact]
    public void vGPUs_adding_up_to_more_than_the_device_need_oversubscription()
    {
        var options = Options(1.0, (0, DeviceVGpuOptions.Explicit(new VGpuSliceOptions(48 * GiB, 50), new VGpuSliceOptions(48 * GiB, 50))));
        Assert.Equal("device 0: its vGPUs have 96 GiB together, more than its 80 GiB (a memory oversubscription of at least 1.2 allows it)",
            Error(options, [0], [80 * GiB]));

        options.MemoryOversubscription = 1.2;
        Assert.Equal(2, VGpuLayout.Resolve(options, [0], [80 * GiB]).SlicesByDevice[0]!.Count);
        options.MemoryOversubscription = 1.1;
        Assert.Contains("more than 1.1 x its 80 GiB", Error(options, [0], [80 * GiB]), StringComparison.Ordinal);
    }

    [Fact]
    public void One_vGPU_larger_than_its_device_is_refused_whatever_the_ratio()
    {
        var options = Options(4, (2, DeviceVGpuOptions.Explicit(new VGpuSliceOptions(8 * GiB), new VGpuSliceOptions(100 * GiB))));
        Assert.Equal("device 2: vGPU 1 has 100 GiB; the device has 80 GiB", Error(options, [2], [80 * GiB]));
    }

    [Fact]
    public void Default_shares_that_add_up_past_100_are_refused()
    {
        var options = Options(1.0, (0, DeviceVGpuOptions.Explicit(new VGpuSliceOptions(60 * GiB), new VGpuSliceOptions(20 * GiB, 50))));
        Assert.Contains("device 0: the vGPUs' compute shares add up to 125%", Error(options, [0], [80 * GiB]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_the_server_does_not_expose_is_refused()
    {
        Assert.Equal("vGPUs are configured for device 5, which the server does not expose (it exposes 0, 1)",
            Error(Options(1.0, (5, DeviceVGpuOptions.Equal(2))), [0, 1], [GiB, GiB]));
    }
}
