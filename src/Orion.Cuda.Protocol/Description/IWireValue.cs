using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol.Description;

/// <summary>
/// A fixed-size value a call description may use as a field or as an array element: it says how it
/// is encoded, and how many bytes that takes (so an array's count is checked against what the
/// message holds before the array is allocated).
/// </summary>
public interface IWireValue<TSelf> where TSelf : struct, IWireValue<TSelf>
{
    static abstract int WireBytes { get; }

    static abstract TSelf Read(ref ProtocolReader reader);

    void Write(ProtocolWriter writer);
}
