namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// The header of one client record: opcode u16, reserved u16 (0), request id u32 (0 for an
/// asynchronous call, which wants no reply), body length u32. A message holds one or more records
/// back to back.
/// </summary>
public readonly record struct RequestHeader(Opcode Opcode, uint RequestId, int BodyLength)
{
    /// <summary>Starts a record; returns the position to hand to <see cref="EndRecord"/> once the body is written.</summary>
    public static int BeginRecord(ProtocolWriter writer, Opcode opcode, uint requestId)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt16((ushort)opcode);
        writer.WriteUInt16(0);
        writer.WriteUInt32(requestId);
        writer.WriteUInt32(0); // body length, patched by EndRecord
        return writer.Length;
    }

    public static void EndRecord(ProtocolWriter writer, int bodyStart)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.PatchUInt32(bodyStart - 4, (uint)(writer.Length - bodyStart));
    }

    /// <summary>Reads a header and checks that its body fits in what is left of the message.</summary>
    public static RequestHeader Read(ref ProtocolReader reader)
    {
        var opcode = (Opcode)reader.ReadUInt16();
        var reserved = reader.ReadUInt16();
        var requestId = reader.ReadUInt32();
        var length = reader.ReadUInt32();
        if (length > (uint)reader.Remaining)
        {
            throw new ProtocolException($"record {opcode} announces a {length}-byte body but only {reader.Remaining} bytes follow");
        }
        if (reserved != 0)
        {
            throw new ProtocolException($"record {opcode} has 0x{reserved:x} in its reserved field");
        }
        return new RequestHeader(opcode, requestId, (int)length);
    }
}
