namespace Orion.Cuda.Remote;

/// <summary>
/// Which side of a 2D copy an address belongs to, as <c>Copy2D</c> takes it. Not a wire value: the
/// client picks <c>Copy2DHostToDevice</c>, <c>Copy2DDeviceToHost</c> or <c>Copy2DDeviceToDevice</c>
/// from the two kinds (docs/protocol.md).
/// </summary>
public enum MemoryKind : byte
{
    /// <summary>Host memory of the client process.</summary>
    Host = 1,
    /// <summary>Device memory on the server.</summary>
    Device = 2,
}
