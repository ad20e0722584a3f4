using Microsoft.Win32.SafeHandles;

namespace Orion.Transport.Rdma.Native;

/// <summary>Owns an <c>orion_ibv_ep</c>: QP, CQ, channels, PD and cm_id, destroyed together.</summary>
internal sealed class EndpointHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public EndpointHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle()
    {
        ShimMethods.DestroyEndpoint(handle);
        return true;
    }
}
