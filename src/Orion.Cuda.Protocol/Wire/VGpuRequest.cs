using System.Globalization;

namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// What a client asks of the server's vGPUs in its hello: at least this much device memory, at least this compute
/// share, optionally on one device. The server places the session on the smallest free vGPU that has both, or refuses
/// it (<see cref="HandshakeStatus.NoCapacity"/>) saying what is free. <see cref="None"/> asks for nothing in particular:
/// the server's default (the smallest free vGPU, or every device where the server has no vGPUs).
/// </summary>
/// <param name="MemoryBytes">The least device memory the session needs; 0: any.</param>
/// <param name="SharePercent">The least compute share (percent of the GPU, 1..100) the session needs; 0: any.</param>
/// <param name="Device">The server's device number (in the order the server exposes its devices); null: any device.</param>
public sealed record VGpuRequest(ulong MemoryBytes = 0, int SharePercent = 0, int? Device = null)
{
    /// <summary>No request: the server's default placement.</summary>
    public static VGpuRequest None { get; } = new();

    /// <summary>The device field's value on the wire for "any device".</summary>
    private const ushort AnyDevice = ushort.MaxValue;

    /// <summary>Bytes the request takes on the wire after the hello's client name (absent for <see cref="None"/>).</summary>
    public const int EncodedBytes = 8 + 1 + 2;

    /// <summary>True when nothing is asked for; such a hello carries no request at all.</summary>
    public bool IsEmpty => MemoryBytes == 0 && SharePercent == 0 && Device is null;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a share outside 0..100 or a device outside 0..63.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(SharePercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SharePercent, 100);
        if (Device is { } device)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(device);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(device, ProtocolLimits.MaxDevices);
        }
    }

    public void Encode(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Validate();
        writer.WriteUInt64(MemoryBytes);
        writer.WriteByte((byte)SharePercent);
        writer.WriteUInt16(Device is { } device ? (ushort)device : AnyDevice);
    }

    /// <summary>Reads a request; a share over 100 or a device past <see cref="ProtocolLimits.MaxDevices"/> is a <see cref="ProtocolException"/>.</summary>
    public static VGpuRequest Decode(ref ProtocolReader reader)
    {
        var memory = reader.ReadUInt64();
        var share = reader.ReadByte();
        var device = reader.ReadUInt16();
        if (share > 100)
        {
            throw new ProtocolException($"vGPU request asks for a compute share of {share}%; at most 100");
        }
        if (device != AnyDevice && device >= ProtocolLimits.MaxDevices)
        {
            throw new ProtocolException($"vGPU request names device {device}; devices are numbered below {ProtocolLimits.MaxDevices}");
        }
        return new VGpuRequest(memory, share, device == AnyDevice ? null : device);
    }

    /// <summary>What is asked, for messages: <c>24 GiB and a 30% compute share on device 0</c>.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (MemoryBytes > 0)
        {
            parts.Add(ByteSize.Format(MemoryBytes));
        }
        if (SharePercent > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"a {SharePercent}% compute share"));
        }
        var what = parts.Count == 0 ? "any size" : string.Join(" and ", parts);
        return Device is { } device ? string.Create(CultureInfo.InvariantCulture, $"{what} on device {device}") : what;
    }
}
