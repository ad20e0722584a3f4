using System.Runtime.InteropServices;

namespace Orion.Transport.Rdma.Verbs;

/// <summary>Mirror of the shim's <c>orion_ibv_send_wr</c> (48 bytes): one request, one gather entry.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SendWorkRequest
{
    public ulong WorkRequestId;
    public ulong LocalAddress;
    public ulong RemoteAddress;
    public uint Length;
    public uint LocalKey;
    public uint RemoteKey;
    public WorkRequestOpcode Opcode;
    public SendFlags Flags;
    /// <summary>Host byte order; the shim converts to the wire's big-endian.</summary>
    public uint ImmediateData;
}
