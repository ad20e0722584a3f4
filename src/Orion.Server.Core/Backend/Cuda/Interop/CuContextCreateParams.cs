using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// <c>CUctxCreateParams</c>, the second argument of CUDA 13's <c>cuCtxCreate_v4</c>. Orion uses no
/// execution affinity and no CIG, so all fields stay zero; the struct exists so the call has the
/// exact ABI the driver expects.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CuContextCreateParams
{
    public nint ExecAffinityParams;
    public int NumExecAffinityParams;
    public nint CigParams;
}
