using System.Runtime.InteropServices;

namespace Orion.Transport.Rdma.Verbs;

/// <summary>Mirror of the shim's <c>orion_ibv_recv_wr</c> (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ReceiveWorkRequest
{
    public ulong WorkRequestId;
    public ulong Address;
    public uint Length;
    public uint LocalKey;
}
