using System.Runtime.InteropServices;

namespace Orion.Transport.Rdma.Native;

/// <summary>Mirror of the shim's <c>orion_ibv_mr_info</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ShimMemoryRegion
{
    public ulong Handle;
    public uint LocalKey;
    public uint RemoteKey;
}
