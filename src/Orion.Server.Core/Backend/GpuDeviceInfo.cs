namespace Orion.Server.Core.Backend;

/// <summary>
/// What a client needs to know about one device to fill CUDA 13's <c>cudaDeviceProp</c> and answer
/// <c>cudaDeviceGetAttribute</c> without asking again.
/// </summary>
/// <param name="Name">The device name (<c>cuDeviceGetName</c>); the emulated device says so in its name.</param>
/// <param name="Uuid">The 16-byte device UUID (<c>cuDeviceGetUuid_v2</c>).</param>
/// <param name="TotalMemory">Bytes of device memory (<c>cuDeviceTotalMem_v2</c>).</param>
/// <param name="Attributes">Every <c>CUdevice_attribute</c> value, indexed by the attribute's number
/// (index 0 is unused, as CUDA numbers attributes from 1); an attribute the driver does not know is 0.</param>
/// <param name="PciBusId">The PCI bus id string (<c>cuDeviceGetPCIBusId</c>), empty when there is none.</param>
/// <param name="IsEmulated">True only for the emulated device.</param>
public sealed record GpuDeviceInfo(
    string Name,
    Guid Uuid,
    ulong TotalMemory,
    IReadOnlyList<int> Attributes,
    string PciBusId,
    bool IsEmulated)
{
    /// <summary>Upper bound on attribute slots carried on the wire (CUDA 13 has fewer than 200).</summary>
    public const int MaxAttributeCount = 1024;

    /// <summary>The attribute's value, or 0 when the backend does not report it.</summary>
    public int GetAttribute(int attribute) =>
        attribute >= 0 && attribute < Attributes.Count ? Attributes[attribute] : 0;
}
