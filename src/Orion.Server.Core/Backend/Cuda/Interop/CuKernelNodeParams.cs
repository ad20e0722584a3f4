using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// <c>CUDA_KERNEL_NODE_PARAMS_v2</c> (cuda.h of CUDA 12 and 13) as passed to <c>cuGraphAddKernelNode_v2</c>,
/// <c>cuGraphKernelNodeSetParams_v2</c> and <c>cuGraphExecKernelNodeSetParams_v2</c>. 72 bytes on 64-bit
/// hosts; a unit test pins the size and offsets. Orion sets <see cref="Function"/> and passes the packed
/// parameters through <see cref="Extra"/>; <see cref="Kernel"/> and <see cref="Context"/> stay 0 (the
/// driver ignores them when a function is given).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CuKernelNodeParams
{
    public nint Function;
    public uint GridDimX;
    public uint GridDimY;
    public uint GridDimZ;
    public uint BlockDimX;
    public uint BlockDimY;
    public uint BlockDimZ;
    public uint SharedMemBytes;
    public void** KernelParams;
    public void** Extra;
    public nint Kernel;
    public nint Context;
}
