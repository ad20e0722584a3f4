using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Tests.Backend.Cuda;

/// <summary>The blittable structs must match the C layouts of CUDA 13's cuda.h on x86-64 exactly.</summary>
public class CudaInteropLayoutTests
{
    [Fact]
    public void Memcpy2D_matches_CUDA_MEMCPY2D_v2()
    {
        Assert.Equal(128, Unsafe.SizeOf<CuMemcpy2D>());
        Assert.Equal(0, Offset(nameof(CuMemcpy2D.SrcXInBytes)));
        Assert.Equal(16, Offset(nameof(CuMemcpy2D.SrcMemoryType)));
        Assert.Equal(24, Offset(nameof(CuMemcpy2D.SrcHost)));
        Assert.Equal(32, Offset(nameof(CuMemcpy2D.SrcDevice)));
        Assert.Equal(40, Offset(nameof(CuMemcpy2D.SrcArray)));
        Assert.Equal(48, Offset(nameof(CuMemcpy2D.SrcPitch)));
        Assert.Equal(56, Offset(nameof(CuMemcpy2D.DstXInBytes)));
        Assert.Equal(72, Offset(nameof(CuMemcpy2D.DstMemoryType)));
        Assert.Equal(80, Offset(nameof(CuMemcpy2D.DstHost)));
        Assert.Equal(88, Offset(nameof(CuMemcpy2D.DstDevice)));
        Assert.Equal(104, Offset(nameof(CuMemcpy2D.DstPitch)));
        Assert.Equal(112, Offset(nameof(CuMemcpy2D.WidthInBytes)));
        Assert.Equal(120, Offset(nameof(CuMemcpy2D.Height)));

        static int Offset(string field) => (int)Marshal.OffsetOf<CuMemcpy2D>(field);
    }

    [Fact]
    public void Context_create_params_match_CUctxCreateParams()
    {
        Assert.Equal(24, Unsafe.SizeOf<CuContextCreateParams>());
        Assert.Equal(8, (int)Marshal.OffsetOf<CuContextCreateParams>(nameof(CuContextCreateParams.NumExecAffinityParams)));
        Assert.Equal(16, (int)Marshal.OffsetOf<CuContextCreateParams>(nameof(CuContextCreateParams.CigParams)));
    }

    [Fact]
    public void Memory_pool_props_match_CUmemPoolProps_v1()
    {
        Assert.Equal(88, Unsafe.SizeOf<CuMemPoolProps>());
        Assert.Equal(8, Unsafe.SizeOf<CuMemLocation>());
        Assert.Equal(0, Offset(nameof(CuMemPoolProps.AllocType)));
        Assert.Equal(4, Offset(nameof(CuMemPoolProps.HandleTypes)));
        Assert.Equal(8, Offset(nameof(CuMemPoolProps.Location)));
        Assert.Equal(16, Offset(nameof(CuMemPoolProps.Win32SecurityAttributes)));
        Assert.Equal(24, Offset(nameof(CuMemPoolProps.MaxSize)));
        Assert.Equal(32, Offset(nameof(CuMemPoolProps.Usage)));
        Assert.Equal(34, Offset(nameof(CuMemPoolProps.Reserved)));
        Assert.Equal(4, (int)Marshal.OffsetOf<CuMemLocation>(nameof(CuMemLocation.Id)));

        static int Offset(string field) => (int)Marshal.OffsetOf<CuMemPoolProps>(field);
    }

    [Fact]
    public void Allocation_props_and_access_descriptors_match_CUmemAllocationProp_v1_and_CUmemAccessDesc_v1()
    {
        Assert.Equal(32, Unsafe.SizeOf<CuMemAllocationProp>());
        Assert.Equal(0, Offset(nameof(CuMemAllocationProp.Type)));
        Assert.Equal(4, Offset(nameof(CuMemAllocationProp.RequestedHandleTypes)));
        Assert.Equal(8, Offset(nameof(CuMemAllocationProp.Location)));
        Assert.Equal(16, Offset(nameof(CuMemAllocationProp.Win32HandleMetaData)));
        Assert.Equal(24, Offset(nameof(CuMemAllocationProp.CompressionType)));
        Assert.Equal(25, Offset(nameof(CuMemAllocationProp.GpuDirectRdmaCapable)));
        Assert.Equal(26, Offset(nameof(CuMemAllocationProp.Usage)));
        Assert.Equal(28, Offset(nameof(CuMemAllocationProp.Reserved)));
        Assert.Equal(12, Unsafe.SizeOf<CuMemAccessDesc>());
        Assert.Equal(8, (int)Marshal.OffsetOf<CuMemAccessDesc>(nameof(CuMemAccessDesc.Flags)));

        static int Offset(string field) => (int)Marshal.OffsetOf<CuMemAllocationProp>(field);
    }

    [Fact]
    public void Uuid_is_16_bytes()
    {
        Assert.Equal(16, Unsafe.SizeOf<CuUuid>());
    }

    [Fact]
    public void Memory_types_have_the_driver_values()
    {
        Assert.Equal(1, (int)CuMemoryType.Host);
        Assert.Equal(2, (int)CuMemoryType.Device);
    }
}
