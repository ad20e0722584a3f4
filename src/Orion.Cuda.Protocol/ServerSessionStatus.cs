using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol;

/// <summary>
/// One session as a server lists it to a client (<c>GetServerSessions</c>, call 116): its id, the name its client gave,
/// the vGPU it holds and the device memory it holds by the server's accounting. No handles, addresses or data. On the
/// wire: id u64, name (<see cref="ClientNameBytes"/> bytes of UTF-8, NUL-terminated), vGPU device u16 and slice u16
/// (<see cref="NoVGpu"/> both when it holds none), memory u64.
/// </summary>
/// <param name="SessionId">The id the server gave the session (its welcome's).</param>
/// <param name="ClientName">The name its client gave in its hello, cut to fit <see cref="ClientNameBytes"/>.</param>
/// <param name="VGpuDevice">The device of the vGPU it holds, or <see cref="NoVGpu"/>.</param>
/// <param name="VGpuSlice">That vGPU's number on the device, or <see cref="NoVGpu"/>.</param>
/// <param name="MemoryUsedBytes">Device memory the session holds (its allocations and arrays).</param>
public readonly record struct ServerSessionStatus(ulong SessionId, string ClientName, int VGpuDevice, int VGpuSlice, ulong MemoryUsedBytes)
    : IWireValue<ServerSessionStatus>
{
    /// <summary>The field a client name travels in; longer names are cut at a character boundary.</summary>
    public const int ClientNameBytes = 128;

    /// <summary>Device and slice of a session that holds no vGPU.</summary>
    public const int NoVGpu = ushort.MaxValue;

    /// <summary>True when the session holds a vGPU.</summary>
    public bool HoldsVGpu => VGpuDevice != NoVGpu;

    public static int WireBytes => 8 + ClientNameBytes + 2 + 2 + 8;

    /// <summary>Reads one entry; a name without its NUL, or a vGPU no server can have, is a <see cref="ProtocolException"/>.</summary>
    public static ServerSessionStatus Read(ref ProtocolReader reader)
    {
        var id = reader.ReadUInt64();
        var name = DeviceStatus.ReadText(ref reader, ClientNameBytes, "a session entry's", "client name");
        var device = reader.ReadUInt16();
        var slice = reader.ReadUInt16();
        var memory = reader.ReadUInt64();
        if ((device == NoVGpu) != (slice == NoVGpu) || (device != NoVGpu && (device >= ProtocolLimits.MaxDevices || slice >= ProtocolLimits.MaxVGpusPerDevice)))
        {
            throw new ProtocolException($"a session entry names vGPU {slice} of device {device}; devices are numbered below "
                + $"{ProtocolLimits.MaxDevices}, vGPUs below {ProtocolLimits.MaxVGpusPerDevice}");
        }
        return new ServerSessionStatus(id, name, device, slice, memory);
    }

    public void Write(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt64(SessionId);
        DeviceStatus.WriteText(writer, ClientName ?? string.Empty, ClientNameBytes);
        writer.WriteUInt16(checked((ushort)VGpuDevice));
        writer.WriteUInt16(checked((ushort)VGpuSlice));
        writer.WriteUInt64(MemoryUsedBytes);
    }
}
