using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol;

/// <summary>
/// One entry of a server's vGPU table (<c>GetServerVGpus</c>, call 115): a vGPU, with the session that holds it, or a
/// device the server does not divide, which takes any number of sessions. On the wire: device u16, slice u16
/// (<see cref="UndividedSlice"/> for an undivided device), memory u64, share u8, holder u64 (0: free).
/// </summary>
/// <param name="Device">The server's device number (its place among the devices it exposes).</param>
/// <param name="Slice">The vGPU's number on that device, or <see cref="UndividedSlice"/> for a device not divided.</param>
/// <param name="MemoryBytes">The vGPU's memory (an undivided device: the memory each session may use there).</param>
/// <param name="SharePercent">The vGPU's compute share, percent of the GPU (0 for an undivided device: none reserved).</param>
/// <param name="HolderSessionId">The session holding the vGPU, 0 when it is free (always 0 for an undivided device).</param>
public readonly record struct ServerVGpuStatus(int Device, int Slice, ulong MemoryBytes, int SharePercent, ulong HolderSessionId)
    : IWireValue<ServerVGpuStatus>
{
    /// <summary>The slice number that marks a device the server does not divide.</summary>
    public const int UndividedSlice = ushort.MaxValue;

    /// <summary>True for a device the server does not divide into vGPUs.</summary>
    public bool IsUndividedDevice => Slice == UndividedSlice;

    /// <summary>True for a vGPU no session holds.</summary>
    public bool IsFree => !IsUndividedDevice && HolderSessionId == 0;

    public static int WireBytes => 2 + 2 + 8 + 1 + 8;

    /// <summary>Reads one entry; a device number or share no server can send is a <see cref="ProtocolException"/>.</summary>
    public static ServerVGpuStatus Read(ref ProtocolReader reader)
    {
        var device = reader.ReadUInt16();
        var slice = reader.ReadUInt16();
        var memory = reader.ReadUInt64();
        var share = reader.ReadByte();
        var holder = reader.ReadUInt64();
        if (device >= ProtocolLimits.MaxDevices || share > 100 || (slice != UndividedSlice && slice >= ProtocolLimits.MaxVGpusPerDevice))
        {
            throw new ProtocolException($"a vGPU entry names device {device}, vGPU {slice} with a {share}% share; devices are numbered below "
                + $"{ProtocolLimits.MaxDevices}, vGPUs below {ProtocolLimits.MaxVGpusPerDevice}, shares at most 100%");
        }
        return new ServerVGpuStatus(device, slice, memory, share, holder);
    }

    public void Write(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt16(checked((ushort)Device));
        writer.WriteUInt16(checked((ushort)Slice));
        writer.WriteUInt64(MemoryBytes);
        writer.WriteByte(checked((byte)SharePercent));
        writer.WriteUInt64(HolderSessionId);
    }
}
