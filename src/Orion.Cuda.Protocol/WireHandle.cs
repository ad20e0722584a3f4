using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol;

/// <summary>A client-chosen handle as an element of an array field (a graph node's dependencies, the nodes of a graph).</summary>
public readonly record struct WireHandle(ulong Value) : IWireValue<WireHandle>
{
    public static int WireBytes => 8;

    public static WireHandle Read(ref ProtocolReader reader) => new(reader.ReadUInt64());

    public void Write(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt64(Value);
    }
}
