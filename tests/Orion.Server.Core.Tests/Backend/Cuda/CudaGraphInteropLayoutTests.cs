using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Tests.Backend.Cuda;

/// <summary>The graph node parameter structs must match CUDA 13's cuda.h on x86-64 exactly (as CudaInteropLayoutTests pins the others).</summary>
public class CudaGraphInteropLayoutTests
{
    [Fact]
    public void Kernel_node_params_match_CUDA_KERNEL_NODE_PARAMS_v2()
    {
        Assert.Equal(72, Unsafe.SizeOf<CuKernelNodeParams>());
        Assert.Equal(8, Offset<CuKernelNodeParams>(nameof(CuKernelNodeParams.GridDimX)));
        Assert.Equal(32, Offset<CuKernelNodeParams>(nameof(CuKernelNodeParams.SharedMemBytes)));
        Assert.Equal(40, Offset<CuKernelNodeParams>(nameof(CuKernelNodeParams.KernelParams)));
        Assert.Equal(48, Offset<CuKernelNodeParams>(nameof(CuKernelNodeParams.Extra)));
        Assert.Equal(56, Offset<CuKernelNodeParams>(nameof(CuKernelNodeParams.Kernel)));
        Assert.Equal(64, Offset<CuKernelNodeParams>(nameof(CuKernelNodeParams.Context)));
    }

    [Fact]
    public void Memset_node_params_match_CUDA_MEMSET_NODE_PARAMS()
    {
        Assert.Equal(40, Unsafe.SizeOf<CuMemsetNodeParams>());
        Assert.Equal(8, Offset<CuMemsetNodeParams>(nameof(CuMemsetNodeParams.Pitch)));
        Assert.Equal(16, Offset<CuMemsetNodeParams>(nameof(CuMemsetNodeParams.Value)));
        Assert.Equal(20, Offset<CuMemsetNodeParams>(nameof(CuMemsetNodeParams.ElementSize)));
        Assert.Equal(24, Offset<CuMemsetNodeParams>(nameof(CuMemsetNodeParams.Width)));
        Assert.Equal(32, Offset<CuMemsetNodeParams>(nameof(CuMemsetNodeParams.Height)));
    }

    [Fact]
    public void Memcpy3D_matches_CUDA_MEMCPY3D_v2()
    {
        Assert.Equal(200, Unsafe.SizeOf<CuMemcpy3D>());
        Assert.Equal(32, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcMemoryType)));
        Assert.Equal(40, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcHost)));
        Assert.Equal(48, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcDevice)));
        Assert.Equal(72, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcPitch)));
        Assert.Equal(80, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.SrcHeight)));
        Assert.Equal(88, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.DstXInBytes)));
        Assert.Equal(120, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.DstMemoryType)));
        Assert.Equal(136, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.DstDevice)));
        Assert.Equal(160, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.DstPitch)));
        Assert.Equal(176, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.WidthInBytes)));
        Assert.Equal(192, Offset<CuMemcpy3D>(nameof(CuMemcpy3D.Depth)));
    }

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
