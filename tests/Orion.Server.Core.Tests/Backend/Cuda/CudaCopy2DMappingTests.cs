using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Cuda;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Tests.Backend.Cuda;

/// <summary>How a backend 2D copy becomes the driver's CUDA_MEMCPY2D.</summary>
public class CudaCopy2DMappingTests
{
    [Fact]
    public void Host_to_device_fills_the_host_source_and_the_device_destination()
    {
        var copy = new MemoryCopy2D(MemoryLocation.Host, 0x7000_1000, 1000, MemoryLocation.Device, 0xD000_0000, 1024, 1000, 37);

        Assert.True(CudaDriverContext.TryDescribe(copy, out CuMemcpy2D native));

        Assert.Equal(CuMemoryType.Host, native.SrcMemoryType);
        Assert.Equal((nint)0x7000_1000, native.SrcHost);
        Assert.Equal(0UL, native.SrcDevice);
        Assert.Equal((nuint)1000, native.SrcPitch);
        Assert.Equal(CuMemoryType.Device, native.DstMemoryType);
        Assert.Equal(0xD000_0000UL, native.DstDevice);
        Assert.Equal((nint)0, native.DstHost);
        Assert.Equal((nuint)1024, native.DstPitch);
        Assert.Equal((nuint)1000, native.WidthInBytes);
        Assert.Equal((nuint)37, native.Height);
        Assert.Equal((nuint)0, native.SrcXInBytes + native.SrcY + native.DstXInBytes + native.DstY);
    }

    [Fact]
    public void Device_to_host_fills_the_other_sides()
    {
        var copy = new MemoryCopy2D(MemoryLocation.Device, 0xD000_0000, 512, MemoryLocation.Host, 0x7000_2000, 256, 256, 3);

        Assert.True(CudaDriverContext.TryDescribe(copy, out CuMemcpy2D native));

        Assert.Equal(0xD000_0000UL, native.SrcDevice);
        Assert.Equal((nint)0x7000_2000, native.DstHost);
        Assert.Equal(CuMemoryType.Device, native.SrcMemoryType);
        Assert.Equal(CuMemoryType.Host, native.DstMemoryType);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(3, 2)]
    [InlineData(2, 4)]
    public void Locations_other_than_host_and_device_are_refused(int source, int destination)
    {
        var copy = new MemoryCopy2D((MemoryLocation)source, 1, 1, (MemoryLocation)destination, 1, 1, 1, 1);

        Assert.False(CudaDriverContext.TryDescribe(copy, out _));
    }
}
