using Orion.Cuda.Protocol;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Sessions;

namespace Orion.Server.Core.Tests.Sessions;

/// <summary>The session's table of arrays and texture and surface objects: bounded, per device, and forgotten with a device's context.</summary>
public class SessionArraysTests
{
    private static SessionArrays.ArrayEntry Entry(int device) =>
        new(device, new GpuArrayHandle(1), new ArrayDescriptor(4, 4, 0, ArrayFormat.Float, 1, 0));

    [Fact]
    public void The_array_table_is_full_at_its_limit()
    {
        var arrays = new SessionArrays();
        for (var i = 0; i < ArrayLimits.MaxArraysPerSession; i++)
        {
            Assert.False(arrays.ArraysFull);
            arrays.AddArray(16 + (ulong)i, Entry(0));
        }
        Assert.True(arrays.ArraysFull);
        arrays.RemoveArray(16);
        Assert.False(arrays.ArraysFull);
    }

    [Fact]
    public void Objects_belong_to_their_device_and_go_with_it()
    {
        var arrays = new SessionArrays();
        arrays.AddArray(20, Entry(0));
        arrays.AddArray(21, Entry(1));
        arrays.AddTextureObject(0, 0x101);
        arrays.AddSurfaceObject(1, 0x101);

        Assert.True(arrays.OwnsTextureObject(0, 0x101));
        Assert.False(arrays.OwnsTextureObject(1, 0x101)); // the same value on another device is another object
        Assert.False(arrays.OwnsSurfaceObject(0, 0x101));

        arrays.RemoveDevice(0);

        Assert.False(arrays.ContainsArray(20));
        Assert.True(arrays.ContainsArray(21));
        Assert.False(arrays.OwnsTextureObject(0, 0x101));
        Assert.True(arrays.OwnsSurfaceObject(1, 0x101));
        Assert.Equal((1, 0, 1), arrays.Counts());
    }

    [Fact]
    public void A_descriptor_contains_only_boxes_inside_it()
    {
        var descriptor = new ArrayDescriptor(10, 4, 0, ArrayFormat.Float, 2, 0); // rows of 80 bytes, 4 rows, 1 slice
        Assert.Equal(320UL, descriptor.TotalBytes);
        Assert.True(descriptor.Contains(0, 0, 0, 80, 4, 1));
        Assert.True(descriptor.Contains(72, 3, 0, 8, 1, 1));
        Assert.False(descriptor.Contains(80, 0, 0, 1, 1, 1));
        Assert.False(descriptor.Contains(0, 2, 0, 80, 3, 1));
        Assert.False(descriptor.Contains(0, 0, 1, 8, 1, 1));
        Assert.False(descriptor.Contains(ulong.MaxValue, 0, 0, 2, 1, 1)); // no wrap-around
    }
}
