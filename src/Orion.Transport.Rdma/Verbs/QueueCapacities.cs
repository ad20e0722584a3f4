using System.Runtime.InteropServices;

namespace Orion.Transport.Rdma.Verbs;

/// <summary>Mirror of the shim's <c>orion_ibv_qp_caps</c> (16 bytes): asked for on input, granted on output.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct QueueCapacities
{
    public uint MaxSendRequests;
    public uint MaxReceiveRequests;
    public uint MaxInlineData;
    public uint CompletionQueueEntries;
}
