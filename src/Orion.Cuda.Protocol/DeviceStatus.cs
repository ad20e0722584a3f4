using System.Text;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol;

/// <summary>
/// One numbered reading of <see cref="DeviceStatus"/>: what NVML reports about a device, as the
/// <c>libnvidia-ml.so.1</c> replacement (native/nvml_front_end) asks for it. The numbers are the slots of
/// <see cref="DeviceStatus.Readings"/> and of the C ABI's <c>ORION_NVML_*</c> constants (orion_client.h); they
/// never change meaning, and a new reading takes the next number (with a new call, since the record's size
/// is part of the protocol).
/// </summary>
public enum DeviceReading
{
    /// <summary>Bytes of device memory the client may use: the card's total (a session quota will take its place).</summary>
    MemoryTotal = 0,
    /// <summary>Bytes this session holds on the device by the server's accounting (never other tenants' use).</summary>
    MemoryUsed = 1,
    /// <summary>1 when this session has a context or memory on the device (its process is listed), else 0.</summary>
    SessionActive = 2,
    /// <summary>BAR1 aperture size in bytes (<c>nvmlDeviceGetBAR1MemoryInfo</c>'s total).</summary>
    Bar1Total = 3,
    /// <summary>PCI domain, bus and device (from the driver's PCI bus id).</summary>
    PciDomain = 4,
    PciBus = 5,
    PciDevice = 6,
    /// <summary>The combined 16-bit device id and 16-bit vendor id (<c>nvmlPciInfo_t.pciDeviceId</c>).</summary>
    PciDeviceId = 7,
    /// <summary>The 32-bit subsystem id (<c>nvmlPciInfo_t.pciSubSystemId</c>).</summary>
    PciSubsystemId = 8,
    /// <summary>An <c>nvmlBrandType_t</c>.</summary>
    Brand = 9,
    /// <summary>An <c>nvmlDeviceArchitecture_t</c>.</summary>
    Architecture = 10,
    ComputeCapabilityMajor = 11,
    ComputeCapabilityMinor = 12,
    /// <summary>The server's <c>/dev/nvidiaN</c> number.</summary>
    MinorNumber = 13,
    /// <summary>Percent of the last sample period a kernel ran (the card's, all tenants).</summary>
    UtilizationGpu = 14,
    /// <summary>Percent of the last sample period device memory was read or written (the card's).</summary>
    UtilizationMemory = 15,
    /// <summary>The GPU die's temperature in °C.</summary>
    Temperature = 16,
    /// <summary>Milliwatts.</summary>
    PowerUsage = 17,
    EnforcedPowerLimit = 18,
    PowerManagementLimit = 19,
    /// <summary>An <c>nvmlPstates_t</c>.</summary>
    PerformanceState = 20,
    /// <summary>Current clocks in MHz, by <c>nvmlClockType_t</c>: graphics, SM, memory, video.</summary>
    ClockGraphics = 21,
    ClockSm = 22,
    ClockMemory = 23,
    ClockVideo = 24,
    /// <summary>Maximum clocks in MHz, in the same order.</summary>
    MaxClockGraphics = 25,
    MaxClockSm = 26,
    MaxClockMemory = 27,
    MaxClockVideo = 28,
    /// <summary>An <c>nvmlComputeMode_t</c>.</summary>
    ComputeMode = 29,
    /// <summary><c>nvmlEnableState_t</c> values.</summary>
    PersistenceMode = 30,
    DisplayMode = 31,
    DisplayActive = 32,
    /// <summary><c>nvmlDeviceGetMigMode</c>'s current and pending modes.</summary>
    MigModeCurrent = 33,
    MigModePending = 34,
    /// <summary>Percent of the fan's maximum; a passively cooled card answers not supported.</summary>
    FanSpeed = 35,
    /// <summary>The status of <see cref="DeviceStatus.Serial"/> (the value is unused).</summary>
    Serial = 36,
    /// <summary>The status of <see cref="DeviceStatus.DriverVersion"/> (the value is unused).</summary>
    DriverVersion = 37,
    /// <summary>The status of <see cref="DeviceStatus.NvmlVersion"/> (the value is unused).</summary>
    NvmlVersion = 38,
    /// <summary>The CUDA version the server's driver implements (<c>nvmlSystemGetCudaDriverVersion</c>, e.g. 13000).</summary>
    CudaDriverVersion = 39,
}

/// <summary>One reading: the server NVML's answer for it (an <c>nvmlReturn_t</c>; 0 success, 3 not supported) and its value.</summary>
public readonly record struct DeviceReadingValue(int Status, ulong Value)
{
    /// <summary><c>NVML_SUCCESS</c>.</summary>
    public const int Success = 0;

    /// <summary><c>NVML_ERROR_NOT_SUPPORTED</c>: the server's GPU or NVML does not report it (or the server has no NVML).</summary>
    public const int NotSupported = 3;

    public static DeviceReadingValue Of(ulong value) => new(Success, value);

    public static DeviceReadingValue Unsupported { get; } = new(NotSupported, 0);
}

/// <summary>
/// What NVML says about one device, in one fixed-layout record (wire call <c>GetDeviceStatus</c>, 140): the
/// device's identity and its readings as the calling session may see them. Texts travel NUL-terminated in
/// fixed fields (UTF-8, at most the field's size less one byte); the UUID is the driver's 16 bytes in the
/// driver's order; then <see cref="ReadingCount"/> readings of (i32 status, u64 value) by <see cref="DeviceReading"/>.
/// </summary>
public readonly record struct DeviceStatus : IWireValue<DeviceStatus>
{
    public const int NameBytes = 96;
    public const int SerialBytes = 32;
    public const int VersionBytes = 80;
    public const int ReadingCount = 40;

    private readonly byte[]? _uuid;
    private readonly DeviceReadingValue[]? _readings;

    /// <summary>A record of empty texts, a zero UUID and every reading not supported.</summary>
    public DeviceStatus()
    {
        Name = Serial = DriverVersion = NvmlVersion = string.Empty;
        _uuid = new byte[16];
        _readings = Enumerable.Repeat(DeviceReadingValue.Unsupported, ReadingCount).ToArray();
    }

    /// <summary>The device's name (<c>nvmlDeviceGetName</c>).</summary>
    public string Name { get; init; }

    /// <summary>The board serial number (status in <see cref="DeviceReading.Serial"/>).</summary>
    public string Serial { get; init; }

    /// <summary>The server's driver version, e.g. "580.159.04" (status in <see cref="DeviceReading.DriverVersion"/>).</summary>
    public string DriverVersion { get; init; }

    /// <summary>The server's NVML version, e.g. "13.580.159.04" (status in <see cref="DeviceReading.NvmlVersion"/>).</summary>
    public string NvmlVersion { get; init; }

    /// <summary>The driver's 16 UUID bytes, in its order (<c>cuDeviceGetUuid</c>).</summary>
    public ReadOnlyMemory<byte> Uuid
    {
        get => _uuid ?? new byte[16];
        init
        {
            if (value.Length != 16)
            {
                throw new ArgumentException("a UUID is 16 bytes", nameof(value));
            }
            _uuid = value.ToArray();
        }
    }

    /// <summary>Every reading, indexed by <see cref="DeviceReading"/>; exactly <see cref="ReadingCount"/> of them.</summary>
    public IReadOnlyList<DeviceReadingValue> Readings
    {
        get => _readings ?? Enumerable.Repeat(DeviceReadingValue.Unsupported, ReadingCount).ToArray();
        init
        {
            if (value.Count != ReadingCount)
            {
                throw new ArgumentException($"a device status holds exactly {ReadingCount} readings", nameof(value));
            }
            _readings = [.. value];
        }
    }

    public DeviceReadingValue this[DeviceReading reading] => Readings[(int)reading];

    /// <summary>A copy with one reading changed.</summary>
    public DeviceStatus With(DeviceReading reading, DeviceReadingValue value)
    {
        var readings = Readings.ToArray();
        readings[(int)reading] = value;
        return this with { Readings = readings };
    }

    public static int WireBytes => 16 + NameBytes + SerialBytes + (2 * VersionBytes) + (ReadingCount * 12);

    public static DeviceStatus Read(ref ProtocolReader reader)
    {
        var uuid = reader.ReadSpan(16).ToArray();
        var name = ReadText(ref reader, NameBytes, "name");
        var serial = ReadText(ref reader, SerialBytes, "serial");
        var driverVersion = ReadText(ref reader, VersionBytes, "driver version");
        var nvmlVersion = ReadText(ref reader, VersionBytes, "NVML version");
        var readings = new DeviceReadingValue[ReadingCount];
        for (var i = 0; i < readings.Length; i++)
        {
            readings[i] = new DeviceReadingValue(reader.ReadInt32(), reader.ReadUInt64());
        }
        return new DeviceStatus
        {
            Uuid = uuid,
            Name = name,
            Serial = serial,
            DriverVersion = driverVersion,
            NvmlVersion = nvmlVersion,
            Readings = readings,
        };
    }

    public void Write(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteSpan(Uuid.Span);
        WriteText(writer, Name, NameBytes);
        WriteText(writer, Serial, SerialBytes);
        WriteText(writer, DriverVersion, VersionBytes);
        WriteText(writer, NvmlVersion, VersionBytes);
        foreach (var reading in Readings)
        {
            writer.WriteInt32(reading.Status);
            writer.WriteUInt64(reading.Value);
        }
    }

    /// <summary>The text as it travels: UTF-8 cut at a character boundary to leave room for the NUL.</summary>
    public static string Fit(string text, int fieldBytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        var nul = text.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0)
        {
            text = text[..nul];
        }
        while (Encoding.UTF8.GetByteCount(text) > fieldBytes - 1)
        {
            text = text[..^(char.IsLowSurrogate(text[^1]) && text.Length > 1 ? 2 : 1)];
        }
        return text;
    }

    internal static void WriteText(ProtocolWriter writer, string text, int fieldBytes)
    {
        var field = writer.Reserve(fieldBytes);
        field.Clear();
        Encoding.UTF8.GetBytes(Fit(text ?? string.Empty, fieldBytes), field);
    }

    private static string ReadText(ref ProtocolReader reader, int fieldBytes, string what) =>
        ReadText(ref reader, fieldBytes, "the device status's", what);

    /// <summary>A fixed text field: UTF-8 up to its NUL; a field without one is a <see cref="ProtocolException"/> naming <paramref name="owner"/>'s <paramref name="what"/>.</summary>
    internal static string ReadText(ref ProtocolReader reader, int fieldBytes, string owner, string what)
    {
        var field = reader.ReadSpan(fieldBytes);
        var end = field.IndexOf((byte)0);
        if (end < 0)
        {
            throw new ProtocolException($"{owner} {what} is not NUL-terminated within its {fieldBytes} bytes");
        }
        return Encoding.UTF8.GetString(field[..end]);
    }
}
