using Microsoft.Win32.SafeHandles;

namespace Orion.Transport.Rdma.Native;

/// <summary>Owns an <c>orion_ibv_listener</c> (listening cm_id and its event channel).</summary>
internal sealed class ListenerHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ListenerHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle()
    {
        ShimMethods.DestroyListener(handle);
        return true;
    }
}
