using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol;

/// <summary>A grid or block extent, as CUDA's <c>dim3</c>.</summary>
public readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1) : IWireValue<Dim3>
{
    public static implicit operator Dim3(uint x) => new(x);

    public static Dim3 FromUInt32(uint x) => new(x);

    /// <summary>X·Y·Z, widened so that no extent overflows.</summary>
    public ulong Volume => (ulong)X * Y * Z;

    public static int WireBytes => 12;

    public static Dim3 Read(ref ProtocolReader reader) => new(reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32());

    public void Write(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32(X);
        writer.WriteUInt32(Y);
        writer.WriteUInt32(Z);
    }
}
