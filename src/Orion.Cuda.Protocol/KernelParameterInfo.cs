using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol;

/// <summary>Where one kernel parameter goes in the packed parameter buffer, as the server read it (<c>cuFuncGetParamInfo</c>).</summary>
public readonly record struct KernelParameterInfo(uint Offset, uint Size) : IWireValue<KernelParameterInfo>
{
    public static int WireBytes => 8;

    public static KernelParameterInfo Read(ref ProtocolReader reader) => new(reader.ReadUInt32(), reader.ReadUInt32());

    public void Write(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32(Offset);
        writer.WriteUInt32(Size);
    }
}
