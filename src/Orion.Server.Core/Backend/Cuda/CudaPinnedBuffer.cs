using System.Runtime.InteropServices;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// Page-locked host memory from <c>cuMemHostAlloc</c>: the staging area that lets host↔device
/// copies run at DMA speed and overlap with the network. Allocated portable so any context may use it.
/// Free it while a context is current (the driver wants one for <c>cuMemFreeHost</c>).
/// </summary>
internal sealed unsafe class CudaPinnedBuffer : SafeHandle
{
    private const uint Portable = 0x01; // CU_MEMHOSTALLOC_PORTABLE

    public CudaPinnedBuffer()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Size in bytes.</summary>
    public int Length { get; private set; }

    /// <summary>Start of the buffer.</summary>
    public byte* Pointer => (byte*)handle;

    /// <summary>The whole buffer as a span (valid until disposed).</summary>
    public Span<byte> Span => new((void*)handle, Length);

    public static CudaStatus TryAllocate(int length, out CudaPinnedBuffer? buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        void* pointer;
        CudaStatus result = CudaDriverApi.MemHostAlloc(&pointer, (nuint)length, Portable);
        if (result != CudaStatus.Success)
        {
            buffer = null;
            return result;
        }

        buffer = new CudaPinnedBuffer { Length = length };
        buffer.SetHandle((nint)pointer);
        return CudaStatus.Success;
    }

    protected override bool ReleaseHandle() => CudaDriverApi.MemFreeHost((void*)handle) == CudaStatus.Success;
}
