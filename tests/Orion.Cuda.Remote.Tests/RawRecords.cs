using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Tests;

/// <summary>Hand-built client records and little-endian fields, for tests that speak to the server below the client library.</summary>
internal static class RawRecords
{
    public static byte[] Record(Opcode opcode, byte[] body, uint requestId = 0) =>
        [.. Header(opcode, 0, requestId, body.Length), .. body];

    /// <summary>A record header as it goes on the wire, with whatever <paramref name="reserved"/> and length a test wants.</summary>
    public static byte[] Header(Opcode opcode, ushort reserved, uint requestId, int bodyLength) =>
        [.. U16((ushort)opcode), .. U16(reserved), .. U32(requestId), .. U32((uint)bodyLength)];

    // The little-endian field writers are the fuzz generator's (tests/Orion.Fuzz), which writes the same wire.
    public static byte[] U16(ushort value) => Orion.Fuzz.FuzzMessages.U16(value);

    public static byte[] U32(uint value) => Orion.Fuzz.FuzzMessages.U32(value);

    public static byte[] U64(ulong value) => Orion.Fuzz.FuzzMessages.U64(value);
}
