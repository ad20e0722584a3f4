using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Cuda;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Tests.Backend.Cuda;

/// <summary>
/// The structs of arrays, 3D copies and texture objects must match CUDA 13's cuda.h on x86-64 exactly
/// (the same layouts Orion's cuda_driver_abi.h declares, which the GPU host checks against cuda.h),
/// and the backend's descriptions must fill the fields the driver reads.
/// </summary>
public class CudaArrayInteropTests
{
    [Fact]
    public void Array3D_descriptor_matches_CUDA_ARRAY3D_DESCRIPTOR_v2()
    {
        Assert.Equal(40, Unsafe.SizeOf<CuArray3DDescriptor>());
        Assert.Equal(16, Offset<CuArray3DDescriptor>(nameof(CuArray3DDescriptor.Depth)));
        Assert.Equal(24, Offset<CuArray3DDescriptor>(nameof(CuArray3DDescriptor.Format)));
        Assert.Equal(28, Offset<CuArray3DDescriptor>(nameof(CuArray3DDescriptor.NumChannels)));
        Assert.Equal(32, Offset<CuArray3DDescriptor>(nameof(CuArray3DDescriptor.Flags)));
    }

    [Fact]
    public void Memcpy3D_matches_CUDA_MEMCPY3D_v2()
    {
        Assert.Equal(200, Unsafe.SizeOf<CuMemcpy3D>());
        Assert.Equal(24, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcLod)));
        Assert.Equal(32, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcMemoryType)));
        Assert.Equal(40, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcHost)));
        Assert.Equal(48, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcDevice)));
        Assert.Equal(56, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcArray)));
        Assert.Equal(72, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcPitch)));
        Assert.Equal(80, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcHeight)));
        Assert.Equal(88, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.DstXInBytes)));
        Assert.Equal(120, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.DstMemoryType)));
        Assert.Equal(144, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.DstArray)));
        Assert.Equal(168, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.DstHeight)));
        Assert.Equal(176, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.WidthInBytes)));
        Assert.Equal(192, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.Depth)));
    }

    [Fact]
    public void Resource_desc_matches_CUDA_RESOURCE_DESC()
    {
        Assert.Equal(144, Unsafe.SizeOf<CuResourceDesc>());
        Assert.Equal(8, Offset<CuResourceDesc>(nameof(CuResourceDesc.Array)));
        Assert.Equal(8, Offset<CuResourceDesc>(nameof(CuResourceDesc.DevicePointer)));
        Assert.Equal(16, Offset<CuResourceDesc>(nameof(CuResourceDesc.Format)));
        Assert.Equal(24, Offset<CuResourceDesc>(nameof(CuResourceDesc.SizeInBytesOrWidth)));
        Assert.Equal(40, Offset<CuResourceDesc>(nameof(CuResourceDesc.PitchInBytes)));
        Assert.Equal(136, Offset<CuResourceDesc>(nameof(CuResourceDesc.Flags)));
    }

    [Fact]
    public void Texture_desc_matches_CUDA_TEXTURE_DESC()
    {
        Assert.Equal(104, Unsafe.SizeOf<CuTextureDesc>());
        Assert.Equal(12, Offset<CuTextureDesc>(nameof(CuTextureDesc.FilterMode)));
        Assert.Equal(24, Offset<CuTextureDesc>(nameof(CuTextureDesc.MipmapFilterMode)));
        Assert.Equal(28, Offset<CuTextureDesc>(nameof(CuTextureDesc.MipmapLevelBias)));
        Assert.Equal(40, Offset<CuTextureDesc>(nameof(CuTextureDesc.BorderColor)));
        Assert.Equal(56, Offset<CuTextureDesc>(nameof(CuTextureDesc.Reserved)));
    }

    [Fact]
    public void A_host_to_array_copy_fills_the_host_source_and_the_array_destination()
    {
        var copy = new MemoryCopy3D(CopySide3D.Linear(MemoryLocation.Host, 0x7000_1000, 268, 45),
            CopySide3D.InArray(new GpuArrayHandle(0x5555), 40, 5, 2), 40, 3, 4);

        Assert.True(CudaDriverContext.TryDescribe(copy, out CuMemcpy3D native));

        Assert.Equal(CuMemoryType.Host, native.SrcMemoryType);
        Assert.Equal((nint)0x7000_1000, native.SrcHost);
        Assert.Equal((nuint)268, native.SrcPitch);
        Assert.Equal((nuint)45, native.SrcHeight);
        Assert.Equal((nint)0, native.SrcArray);
        Assert.Equal(CuMemoryType.Array, native.DstMemoryType);
        Assert.Equal((nint)0x5555, native.DstArray);
        Assert.Equal(0UL, native.DstDevice);
        Assert.Equal(((nuint)40, (nuint)5, (nuint)2), (native.DstXInBytes, native.DstY, native.DstZ));
        Assert.Equal(((nuint)40, (nuint)3, (nuint)4), (native.WidthInBytes, native.Height, native.Depth));
        Assert.Equal((nuint)0, native.SrcLod + native.DstLod + native.SrcXInBytes + native.SrcY + native.SrcZ);
    }

    [Fact]
    public void An_array_to_device_copy_fills_the_array_source_and_the_device_destination()
    {
        var copy = new MemoryCopy3D(CopySide3D.InArray(new GpuArrayHandle(0x77), 0, 0, 0),
            CopySide3D.Linear(MemoryLocation.Device, 0xD000_0000, 512, 8), 256, 8, 1);

        Assert.True(CudaDriverContext.TryDescribe(copy, out CuMemcpy3D native));

        Assert.Equal((CuMemoryType.Array, (nint)0x77), (native.SrcMemoryType, native.SrcArray));
        Assert.Equal((CuMemoryType.Device, 0xD000_0000UL, (nint)0), (native.DstMemoryType, native.DstDevice, native.DstHost));
        Assert.Equal((nuint)512, native.DstPitch);
    }

    [Fact]
    public void A_single_slice_gets_a_slice_height_and_a_single_row_a_pitch()
    {
        // The client sends no slice height for a 2D copy and no pitch for one row; the driver gets ones that fit.
        var copy = new MemoryCopy3D(CopySide3D.Linear(MemoryLocation.Device, 0xD000_0000, 0, 0),
            CopySide3D.InArray(new GpuArrayHandle(0x77), 0, 0, 0), 64, 1, 1);
        Assert.True(CudaDriverContext.TryDescribe(copy, out CuMemcpy3D native));
        Assert.Equal(((nuint)64, (nuint)1), (native.SrcPitch, native.SrcHeight));
        Assert.Equal(((nuint)0, (nuint)0), (native.DstPitch, native.DstHeight));

        var rows = copy with { Source = CopySide3D.Linear(MemoryLocation.Host, 0x7000_0000, 256, 0), Height = 9 };
        Assert.True(CudaDriverContext.TryDescribe(rows, out native));
        Assert.Equal(((nuint)256, (nuint)9), (native.SrcPitch, native.SrcHeight));
    }

    [Fact]
    public unsafe void Resources_and_sampling_become_the_driver_descriptors()
    {
        CuResourceDesc pitched = CudaDriverContext.Describe(GpuTextureResource.OfPitch2D(0xD000_0100, ArrayFormat.Half, 2, 30, 20, 128));
        Assert.Equal((3u, 0xD000_0100UL, 0x10u, 2u), (pitched.ResType, pitched.DevicePointer, pitched.Format, pitched.NumChannels));
        Assert.Equal(((nuint)30, (nuint)20, (nuint)128, 0u), (pitched.SizeInBytesOrWidth, pitched.Height, pitched.PitchInBytes, pitched.Flags));

        CuResourceDesc array = CudaDriverContext.Describe(GpuTextureResource.OfArray(new GpuArrayHandle(0x1234)));
        Assert.Equal((0u, (nint)0x1234), (array.ResType, array.Array));

        var sampling = new TextureSampling(1, 3, 0, 1, TextureSampling.NormalizedCoordinates, 4, 0, 0.5f, 0, 8, new BorderColor(1, 2, 3, 4));
        CuTextureDesc texture = CudaDriverContext.Describe(sampling);
        Assert.Equal((1u, 3u, 0u), (texture.AddressMode[0], texture.AddressMode[1], texture.AddressMode[2]));
        Assert.Equal((1u, 2u, 4u), (texture.FilterMode, texture.Flags, texture.MaxAnisotropy));
        Assert.Equal((0.5f, 8f), (texture.MipmapLevelBias, texture.MaxMipmapLevelClamp));
        Assert.Equal((1f, 4f), (texture.BorderColor[0], texture.BorderColor[3]));
    }

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
