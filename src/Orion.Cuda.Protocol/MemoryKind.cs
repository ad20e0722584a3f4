namespace Orion.Cuda.Protocol;

/// <summary>Which side of a 2D copy an address belongs to (wire values of protocol v1).</summary>
public enum MemoryKind : byte
{
    /// <summary>Host memory of the client process.</summary>
    Host = 1,
    /// <summary>Device memory on the server.</summary>
    Device = 2,
}
