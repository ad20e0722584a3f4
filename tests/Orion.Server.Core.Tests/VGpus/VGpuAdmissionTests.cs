using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.VGpus;

namespace Orion.Server.Core.Tests.VGpus;

/// <summary>
/// Admission control on its own: best fit, refusals that say what is free, release, undivided devices, and hellos
/// arriving together that never place two sessions on one vGPU.
/// </summary>
public sealed class VGpuAdmissionTests
{
    private const ulong GiB = 1UL << 30;

    /// <summary>Device 0 divided as <paramref name="division"/>, of 80 GiB; device 1 (when <paramref name="undividedSecond"/>) undivided, 40 GiB.</summary>
    private static VGpuAdmission Admission(DeviceVGpuOptions division, bool undividedSecond = false)
    {
        var options = new VGpuOptions();
        options.Devices[0] = division;
        ulong[] memory = undividedSecond ? [80 * GiB, 40 * GiB] : [80 * GiB];
        return new VGpuAdmission(VGpuLayout.Resolve(options, undividedSecond ? [0, 1] : [0], memory), memory);
    }

    private static VGpuPlacement Place(VGpuAdmission admission, ulong session, VGpuRequest? request = null)
    {
        Assert.True(admission.TryPlace(session, request ?? VGpuRequest.None, out var placement, out var refusal), refusal);
        return placement;
    }

    private static string Refuse(VGpuAdmission admission, ulong session, VGpuRequest request)
    {
        Assert.False(admission.TryPlace(session, request, out _, out var refusal));
        Assert.DoesNotContain('\n', refusal);
        return refusal;
    }

    private static DeviceVGpuOptions Sizes(params (ulong Memory, int Share)[] slices) =>
        DeviceVGpuOptions.Explicit(slices.Select(slice => new VGpuSliceOptions(slice.Memory, slice.Share)));

    [Fact]
    public void The_smallest_free_vGPU_that_has_what_is_asked_is_taken()
    {
        var admission = Admission(Sizes((40 * GiB, 50), (10 * GiB, 10), (20 * GiB, 20), (10 * GiB, 20)));

        Assert.Equal(2, Place(admission, 1, new VGpuRequest(15 * GiB)).Slice!.Index); // 20 GiB, not 40
        Assert.Equal(1, Place(admission, 2).Slice!.Index); // no request: the smallest (10 GiB, 10%)
        Assert.Equal(3, Place(admission, 3, new VGpuRequest(SharePercent: 15)).Slice!.Index); // 10 GiB with 20%
        var last = Place(admission, 4, new VGpuRequest(1, 1, Device: 0));
        Assert.Equal((0, 0, 40 * GiB, 50), (last.Device, last.Slice!.Index, last.Slice.MemoryBytes, last.Slice.SharePercent));
        Assert.Equal([4UL, 2, 1, 3], admission.Snapshot().Select(vgpu => vgpu.SessionId!.Value));
    }

    [Fact]
    public void A_refusal_says_what_was_asked_and_what_is_free()
    {
        var admission = Admission(DeviceVGpuOptions.Equal(4)); // 4 x 20 GiB, 25% each
        Place(admission, 1);
        Place(admission, 2);

        Assert.Equal("no vGPU with 40 GiB free on device 0: 2 of 4 vGPUs in use, the largest free has 20 GiB and a 25% share; "
            + "none there is that large (the largest has 20 GiB and a 25% share)", Refuse(admission, 3, new VGpuRequest(40 * GiB)));
        Place(admission, 3);
        Place(admission, 4);
        Assert.Equal("no vGPU with 16 GiB and a 20% compute share free on device 0: 4 of 4 vGPUs in use",
            Refuse(admission, 5, new VGpuRequest(16 * GiB, 20)));
        Assert.Equal("the server has 1 device (device 0); there is no device 3", Refuse(admission, 6, new VGpuRequest(Device: 3)));
    }

    [Fact]
    public void A_released_vGPU_is_free_again_and_releasing_twice_or_unplaced_does_nothing()
    {
        var admission = Admission(DeviceVGpuOptions.Equal(2));
        Place(admission, 1);
        Place(admission, 2);
        Refuse(admission, 3, VGpuRequest.None);

        admission.Release(1);
        admission.Release(1);
        admission.Release(99);
        Assert.Equal(0, Place(admission, 3).Slice!.Index);
        Assert.Equal([3UL, 2], admission.Snapshot().Select(vgpu => vgpu.SessionId!.Value));
        Assert.Throws<InvalidOperationException>(() => admission.TryPlace(3, VGpuRequest.None, out _, out _));
    }

    [Fact]
    public void Concurrent_hellos_never_place_more_sessions_than_there_are_vGPUs()
    {
        var admission = Admission(DeviceVGpuOptions.Equal(8));
        for (var round = 0; round < 20; round++)
        {
            var placed = new System.Collections.Concurrent.ConcurrentBag<(ulong Session, int Slice)>();
            var first = (ulong)round * 1000 + 1;
            using var start = new Barrier(16);
            var threads = Enumerable.Range(0, 16).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                for (var n = 0; n < 4; n++)
                {
                    var session = first + (ulong)(i * 4 + n);
                    if (admission.TryPlace(session, VGpuRequest.None, out var placement, out _))
                    {
                        placed.Add((session, placement.Slice!.Index));
                    }
                }
            })).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }
            foreach (var thread in threads)
            {
                thread.Join();
            }
            Assert.Equal(8, placed.Count);
            Assert.Equal(Enumerable.Range(0, 8), placed.Select(p => p.Slice).Order());
            Assert.All(admission.Snapshot(), vgpu => Assert.Contains(placed, p => p.Session == vgpu.SessionId && p.Slice == vgpu.Slice));
            foreach (var (session, _) in placed)
            {
                admission.Release(session);
            }
            Assert.All(admission.Snapshot(), vgpu => Assert.Null(vgpu.SessionId));
        }
    }

    [Fact]
    public void An_undivided_device_takes_what_no_vGPU_can_and_reserves_no_share()
    {
        var admission = Admission(DeviceVGpuOptions.Equal(2), undividedSecond: true); // device 0: 2 x 40 GiB; device 1: 40 GiB, undivided

        Assert.Equal(0, Place(admission, 1).Device); // a vGPU first
        Assert.Equal(0, Place(admission, 2).Device);
        var overflow = Place(admission, 3);
        Assert.Equal((1, null), (overflow.Device, overflow.Slice)); // then the undivided device, without limit
        Assert.Equal(1, Place(admission, 4, new VGpuRequest(Device: 1)).Device);
        Assert.Equal("no vGPU with a 10% compute share free: device 0: 2 of 2 vGPUs in use; "
            + "device 1: not divided into vGPUs (40 GiB per session, no compute share reserved)", Refuse(admission, 5, new VGpuRequest(SharePercent: 10)));
        Assert.Equal("no vGPU with 41 GiB free on device 1: not divided into vGPUs (40 GiB per session, no compute share reserved)",
            Refuse(admission, 6, new VGpuRequest(41 * GiB, Device: 1)));
    }

    [Fact]
    public void Without_vGPUs_a_hello_that_asks_nothing_sees_every_device_and_one_that_asks_is_placed_on_one()
    {
        ulong[] memory = [80 * GiB, 40 * GiB];
        var admission = new VGpuAdmission(VGpuLayout.Resolve(new VGpuOptions(), [0, 1], memory), memory);

        Assert.Same(VGpuPlacement.AllDevices, Place(admission, 1));
        Assert.Equal((1, null), (Place(admission, 2, new VGpuRequest(30 * GiB)).Device, Place(admission, 3, new VGpuRequest(30 * GiB)).Slice));
        Assert.Equal(0, Place(admission, 4, new VGpuRequest(50 * GiB)).Device);
        Assert.Equal(0, Place(admission, 5, new VGpuRequest(Device: 0)).Device);
        Assert.StartsWith("no device with 100 GiB free: device 0: not divided into vGPUs (80 GiB per session",
            Refuse(admission, 6, new VGpuRequest(100 * GiB)), StringComparison.Ordinal);
        Assert.StartsWith("no device with a 50% compute share free on device 1: not divided",
            Refuse(admission, 7, new VGpuRequest(SharePercent: 50, Device: 1)), StringComparison.Ordinal);
        Assert.Empty(admission.Snapshot());
    }
}
