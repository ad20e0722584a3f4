namespace Orion.Cuda.Protocol;

/// <summary>
/// One remote device as the server describes it at connect time: enough to fill CUDA 13's
/// <c>cudaDeviceProp</c> and answer <c>cudaDeviceGetAttribute</c> without another round trip.
/// </summary>
/// <param name="Name">Device name; the emulated device is called "Orion emulated device".</param>
/// <param name="Uuid">The device UUID.</param>
/// <param name="TotalMemory">Bytes of device memory.</param>
/// <param name="Attributes">Every <c>CUdevice_attribute</c> value indexed by attribute number.</param>
/// <param name="PciBusId">PCI bus id (domain:bus:device.function) or empty.</param>
/// <param name="IsEmulated">True when the server runs the emulated device, not a GPU.</param>
public sealed record RemoteDeviceInfo(
    string Name,
    Guid Uuid,
    ulong TotalMemory,
    IReadOnlyList<int> Attributes,
    string PciBusId,
    bool IsEmulated)
{
    /// <summary>The attribute's value, or 0 when the server did not report it.</summary>
    public int GetAttribute(int attribute) =>
        attribute >= 0 && attribute < Attributes.Count ? Attributes[attribute] : 0;

    /// <summary>Compute capability major.minor (attributes 75 and 76).</summary>
    public (int Major, int Minor) ComputeCapability => (GetAttribute(75), GetAttribute(76));

    /// <summary>Number of multiprocessors (attribute 16).</summary>
    public int MultiprocessorCount => GetAttribute(16);
}
