using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Orion.Transport.Rdma.Native;

/// <summary>Mirror of the shim's <c>orion_ibv_device_info</c> (120 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ShimDeviceInfo
{
    public DeviceName Name;
    public ulong NodeGuid;
    public ulong MaxMemoryRegionSize;
    public uint VendorId;
    public uint VendorPartId;
    public int PhysicalPortCount;
    public int PortState;
    public int LinkLayer;
    public int ActiveMtu;
    public int MaxQueuePairRequests;
    public int MaxScatterGather;
    public int MaxCompletionQueueEntries;
    public int MaxMemoryRegions;

    [InlineArray(64)]
    internal struct DeviceName
    {
        private byte _first;
    }
}
