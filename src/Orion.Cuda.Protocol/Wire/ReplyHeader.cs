namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// The header of one server record: kind u16, reserved u16, request id u32, status i32 (the call's
/// own result), async status i32 (the first error of an earlier asynchronous call, latched until
/// this synchronizing reply), body length u32.
/// </summary>
public readonly record struct ReplyHeader(ReplyKind Kind, uint RequestId, CudaStatus Status, CudaStatus AsyncStatus, int BodyLength)
{
    public static int BeginRecord(ProtocolWriter writer, ReplyKind kind, uint requestId, CudaStatus status, CudaStatus asyncStatus)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt16((ushort)kind);
        writer.WriteUInt16(0);
        writer.WriteUInt32(requestId);
        writer.WriteInt32((int)status);
        writer.WriteInt32((int)asyncStatus);
        writer.WriteUInt32(0);
        return writer.Length;
    }

    public static void EndRecord(ProtocolWriter writer, int bodyStart)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.PatchUInt32(bodyStart - 4, (uint)(writer.Length - bodyStart));
    }

    public static ReplyHeader Read(ref ProtocolReader reader)
    {
        var kind = (ReplyKind)reader.ReadUInt16();
        if (kind is not (ReplyKind.Reply or ReplyKind.HostFunctionReached or ReplyKind.SessionEnded or ReplyKind.DeviceOutput))
        {
            throw new ProtocolException($"unknown server record kind {(ushort)kind}");
        }
        reader.ReadUInt16();
        var requestId = reader.ReadUInt32();
        var status = (CudaStatus)reader.ReadInt32();
        var asyncStatus = (CudaStatus)reader.ReadInt32();
        var length = reader.ReadUInt32();
        if (length > (uint)reader.Remaining)
        {
            throw new ProtocolException($"server record announces a {length}-byte body but only {reader.Remaining} bytes follow");
        }
        return new ReplyHeader(kind, requestId, status, asyncStatus, (int)length);
    }
}
