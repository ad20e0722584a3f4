using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core.Backend.Emulated;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// The NVML replacement's wire call (GetDeviceStatus, 140) end to end against the emulated device: the device's
/// identity, and memory as the calling session may see it (its own allocations and arrays, never another
/// session's), without creating a context or changing the current device.
/// </summary>
public sealed class DeviceStatusTests : RemoteCudaTestBase
{
    private const ulong MiB = 1024 * 1024;

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    private static DeviceStatus Status(RemoteCudaClient client, int device = 0)
    {
        Assert.Equal(CudaStatus.Success, client.GetDeviceStatus(device, out var status));
        return status;
    }

    private static ulong Value(DeviceStatus status, DeviceReading reading)
    {
        Assert.Equal(DeviceReadingValue.Success, status[reading].Status);
        return status[reading].Value;
    }

    [Fact]
    public void The_emulated_device_says_it_is_emulated()
    {
        var status = Status(Gpu.Client);
        Assert.Equal(EmulatedGpuBackend.DeviceName, status.Name);
        Assert.Equal("EMULATED-0", status.Serial);
        Assert.Contains("emulated", status.DriverVersion, StringComparison.Ordinal);
        Assert.Contains("emulated", status.NvmlVersion, StringComparison.Ordinal);
        Assert.Equal("ORION-EMU"u8.ToArray(), status.Uuid.Span[..9].ToArray());
        Assert.Equal(256 * MiB, Value(status, DeviceReading.MemoryTotal));
        Assert.Equal((ulong)Gpu.DriverVersion, Value(status, DeviceReading.CudaDriverVersion));
        Assert.Equal((ulong)Gpu.Device.ComputeCapability.Major, Value(status, DeviceReading.ComputeCapabilityMajor));
        Assert.Equal(30UL, Value(status, DeviceReading.Temperature));
        Assert.Equal(DeviceReadingValue.Success, status[DeviceReading.Serial].Status);
        // What the card does not have is a real answer, passed on as NVML gives it.
        Assert.Equal(DeviceReadingValue.NotSupported, status[DeviceReading.FanSpeed].Status);
        Assert.Equal(DeviceReadingValue.NotSupported, status[DeviceReading.MigModeCurrent].Status);
    }

    [Fact]
    public async Task Memory_used_is_what_this_session_holds_and_not_another_sessions()
    {
        var other = new RemoteGpu(await ConnectAsync(Server));
        var before = Status(Gpu.Client);
        Assert.Equal(0UL, Value(before, DeviceReading.MemoryUsed));
        Assert.Equal(0UL, Value(before, DeviceReading.SessionActive));

        Assert.Equal(CudaStatus.Success, Gpu.Client.Allocate(3 * MiB, out var mine));
        Assert.Equal(CudaStatus.Success, other.Client.Allocate(40 * MiB, out var theirs));
        Assert.Equal(CudaStatus.Success, Gpu.Client.CreateArray(256, 256, 0, ArrayFormat.Float, 1, 0, out var array));
        var ours = Status(Gpu.Client);
        Assert.Equal((3 * MiB) + (256 * 256 * 4), Value(ours, DeviceReading.MemoryUsed));
        Assert.Equal(1UL, Value(ours, DeviceReading.SessionActive));
        Assert.Equal(256 * MiB, Value(ours, DeviceReading.MemoryTotal));
        Assert.Equal(40 * MiB, Value(Status(other.Client), DeviceReading.MemoryUsed));
        // The card as a whole holds both; neither session sees the other's.
        Assert.Equal((43 * MiB) + (256 * 256 * 4), Backend.UsedBytes(0));

        Assert.Equal(CudaStatus.Success, Gpu.Client.Free(mine));
        Assert.Equal(CudaStatus.Success, Gpu.Client.DestroyArray(array));
        Assert.Equal(0UL, Value(Status(Gpu.Client), DeviceReading.MemoryUsed));
        Assert.Equal(40 * MiB, Value(Status(other.Client), DeviceReading.MemoryUsed));
        Assert.Equal(CudaStatus.Success, other.Client.Free(theirs));
    }

    [Fact]
    public async Task Asking_creates_no_context_and_keeps_the_current_device()
    {
        (var server, var backend) = await StartServerAsync(deviceCount: 2);
        var client = await ConnectAsync(server);
        Assert.Equal(CudaStatus.Success, client.SetDevice(1));
        var first = Status(client, 0);
        var second = Status(client, 1);
        Assert.Equal(0, first.Uuid.Span[15]);
        Assert.Equal(1, second.Uuid.Span[15]);
        Assert.Equal(0, backend.LiveContextCount);
        Assert.Equal(1, client.CurrentDevice);
        Assert.Equal(CudaStatus.Success, client.Allocate(MiB, out _));
        Assert.Equal(MiB, Value(Status(client, 1), DeviceReading.MemoryUsed));
        Assert.Equal(0UL, Value(Status(client, 0), DeviceReading.MemoryUsed));
        Assert.Equal(CudaStatus.InvalidDevice, client.GetDeviceStatus(2, out _));
    }

    [Fact]
    public void The_record_round_trips_and_refuses_unterminated_texts()
    {
        var readings = Enumerable.Range(0, DeviceStatus.ReadingCount).Select(i => new DeviceReadingValue(i % 4, (ulong)i * 1000)).ToArray();
        var status = new DeviceStatus
        {
            Name = new string('n', 200),
            Serial = "SERIAL",
            DriverVersion = "580.159.04",
            NvmlVersion = "13.580.159.04",
            Uuid = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray(),
            Readings = readings,
        };
        using var writer = new ProtocolWriter();
        status.Write(writer);
        Assert.Equal(DeviceStatus.WireBytes, writer.Length);
        var reader = new ProtocolReader(writer.WrittenSpan);
        var decoded = DeviceStatus.Read(ref reader);
        Assert.True(reader.IsAtEnd);
        Assert.Equal(new string('n', DeviceStatus.NameBytes - 1), decoded.Name);
        Assert.Equal("580.159.04", decoded.DriverVersion);
        Assert.Equal(status.Uuid.ToArray(), decoded.Uuid.ToArray());
        Assert.Equal(readings, decoded.Readings);

        var broken = writer.WrittenSpan.ToArray();
        broken.AsSpan(16, DeviceStatus.NameBytes).Fill((byte)'x');
        Assert.Throws<ProtocolException>(() =>
        {
            var again = new ProtocolReader(broken);
            DeviceStatus.Read(ref again);
        });
    }
}
