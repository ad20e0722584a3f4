namespace Orion.Transport.Rdma.Verbs;

/// <summary>One RDMA device found by discovery (port 1).</summary>
internal sealed record DeviceInfo(string Name, ulong NodeGuid, int PortState, int LinkLayer, int ActiveMtu)
{
    public const int PortActive = 4;

    public bool IsActive => PortState == PortActive;

    public string LinkLayerName => LinkLayer switch { 1 => "InfiniBand", 2 => "Ethernet (RoCE)", _ => "unknown" };
}
