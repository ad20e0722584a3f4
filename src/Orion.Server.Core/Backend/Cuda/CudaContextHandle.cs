using System.Runtime.InteropServices;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// Owns one CUDA context created with <c>cuCtxCreate</c> (never the primary context, so one
/// session's kernels cannot reach another session's memory). Destroying the context frees every
/// allocation, module, stream and event made in it, which is what makes session cleanup total.
/// </summary>
internal sealed unsafe class CudaContextHandle : SafeHandle
{
    public CudaContextHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw <c>CUcontext</c>.</summary>
    public nint Context => handle;

    /// <summary>
    /// Creates a context on <paramref name="device"/>. The driver makes it current on the calling
    /// thread, so call this on the thread that will use it.
    /// </summary>
    public static CudaStatus TryCreate(int device, uint flags, out CudaContextHandle? context)
    {
        nint raw;
        // CUDA 13 takes creation parameters; null means "no affinity, no CIG" like the old call.
        CudaStatus result = CudaDriverApi.CtxCreate(&raw, null, flags, device);
        if (result != CudaStatus.Success)
        {
            context = null;
            return result;
        }

        context = new CudaContextHandle();
        context.SetHandle(raw);
        return CudaStatus.Success;
    }

    protected override bool ReleaseHandle() => CudaDriverApi.CtxDestroy(handle) == CudaStatus.Success;
}
