namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// The vGPU a session was placed on, as its welcome reports it. The session sees only that device (as its device 0),
/// with <see cref="MemoryBytes"/> as its memory; the sessions on one GPU take turns on it by their compute shares.
/// </summary>
/// <param name="Device">The server's device number the vGPU is on (in the order the server exposes its devices).</param>
/// <param name="Slice">The vGPU's number on that device (0-based, in the server's configuration order).</param>
/// <param name="MemoryBytes">Device memory the session may hold: its memory quota and its device's total memory.</param>
/// <param name="SharePercent">The compute share reserved for it, percent of the GPU (1..100).</param>
public sealed record VGpuAssignment(int Device, int Slice, ulong MemoryBytes, int SharePercent)
{
    /// <summary>For messages and logs: <c>vGPU 1 of device 0 (24 GiB, 30% compute share)</c>.</summary>
    public override string ToString() =>
        $"vGPU {Slice} of device {Device} ({ByteSize.Format(MemoryBytes)}, {SharePercent}% compute share)";

    /// <summary>Writes the optional block of an accepted welcome: a presence byte, then the fields.</summary>
    internal static void EncodeOptional(ProtocolWriter writer, VGpuAssignment? assignment)
    {
        writer.WriteBoolean(assignment is not null);
        if (assignment is null)
        {
            return;
        }
        writer.WriteUInt16(checked((ushort)assignment.Device));
        writer.WriteUInt16(checked((ushort)assignment.Slice));
        writer.WriteUInt64(assignment.MemoryBytes);
        writer.WriteByte(checked((byte)assignment.SharePercent));
    }

    /// <summary>Reads the block <see cref="EncodeOptional"/> writes; an impossible device or share is a <see cref="ProtocolException"/>.</summary>
    internal static VGpuAssignment? DecodeOptional(ref ProtocolReader reader)
    {
        if (!reader.ReadBoolean())
        {
            return null;
        }
        var device = reader.ReadUInt16();
        var slice = reader.ReadUInt16();
        var memory = reader.ReadUInt64();
        var share = reader.ReadByte();
        if (device >= ProtocolLimits.MaxDevices || share > 100)
        {
            throw new ProtocolException($"welcome reports a vGPU on device {device} with a {share}% share; devices are numbered below {ProtocolLimits.MaxDevices}, shares at most 100%");
        }
        return new VGpuAssignment(device, slice, memory, share);
    }
}
