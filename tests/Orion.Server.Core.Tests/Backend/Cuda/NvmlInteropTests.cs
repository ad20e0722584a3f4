using System.Reflection;
using System.Runtime.InteropServices;
using Orion.Server.Core.Backend.Cuda;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Tests.Backend.Cuda;

/// <summary>
/// The CUDA backend's reading of the host's NVML, for the NVML replacement: bindings, layouts NVML fills, and that a
/// host without NVML keeps serving with every reading "not supported".
/// </summary>
public class NvmlInteropTests
{
    [Fact]
    public void Every_binding_targets_libnvidia_ml_so_1_and_versioned_names_are_explicit()
    {
        var imports = typeof(NvmlApi).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Select(method => method.GetCustomAttribute<LibraryImportAttribute>())
            .Where(attribute => attribute is not null)
            .ToArray();
        Assert.NotEmpty(imports);
        Assert.All(imports, attribute => Assert.Equal("libnvidia-ml.so.1", attribute!.LibraryName));
        var entryPoints = imports.Select(attribute => attribute!.EntryPoint).ToArray();
        // nvml.h maps these names to their current revisions; the bare names are older ABIs.
        Assert.Contains("nvmlInit_v2", entryPoints);
        Assert.Contains("nvmlDeviceGetPciInfo_v3", entryPoints);
        Assert.Contains("nvmlDeviceGetHandleByPciBusId_v2", entryPoints);
        Assert.DoesNotContain("nvmlInit", entryPoints);
        Assert.DoesNotContain("nvmlDeviceGetPciInfo", entryPoints);
    }

    [Fact]
    public void Structures_have_NVMLs_layouts()
    {
        Assert.Equal(68, Marshal.SizeOf<NvmlPciInfo>());
        Assert.Equal(16, Marshal.OffsetOf<NvmlPciInfo>(nameof(NvmlPciInfo.Domain)).ToInt32());
        Assert.Equal(28, Marshal.OffsetOf<NvmlPciInfo>(nameof(NvmlPciInfo.PciDeviceId)).ToInt32());
        Assert.Equal(36, Marshal.OffsetOf<NvmlPciInfo>(nameof(NvmlPciInfo.BusId)).ToInt32());
        Assert.Equal(24, Marshal.SizeOf<NvmlMemory>());
        Assert.Equal(8, Marshal.SizeOf<NvmlUtilization>());
    }

    [Fact]
    public void Without_NVML_the_reader_leaves_every_reading_as_it_was()
    {
        var reader = new NvmlDeviceReader("libnvidia-ml-orion-test-absent.so.1");
        Assert.False(reader.IsAvailable);
        Assert.Contains("not found", reader.Unavailable, StringComparison.Ordinal);
        var readings = Enumerable.Repeat(DeviceReadingValue.Unsupported, DeviceStatus.ReadingCount).ToArray();
        readings[(int)DeviceReading.MemoryTotal] = DeviceReadingValue.Of(1234);
        string serial = "", driver = "", nvml = "";
        reader.Fill(new byte[16], "0000:01:00.0", readings, ref serial, ref driver, ref nvml);
        Assert.Equal(DeviceReadingValue.Of(1234), readings[(int)DeviceReading.MemoryTotal]);
        Assert.Equal(DeviceReadingValue.NotSupported, readings[(int)DeviceReading.Temperature].Status);
        Assert.Equal(DeviceReadingValue.NotSupported, readings[(int)DeviceReading.Serial].Status);
        Assert.Equal(string.Empty, serial);
    }

    [Fact]
    public void A_UUID_is_named_as_NVML_names_it()
    {
        var uuid = Enumerable.Range(0, 16).Select(i => (byte)(0xa0 + i)).ToArray();
        Assert.Equal("GPU-a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf", NvmlDeviceReader.FormatUuid(uuid));
    }

    [Theory]
    [InlineData("0000:0b:00.0", 0u, 0x0bu, 0u)]
    [InlineData("0001:C4:1F.0", 1u, 0xc4u, 0x1fu)]
    public void The_drivers_bus_id_gives_domain_bus_and_device(string busId, uint domain, uint bus, uint device)
    {
        Assert.True(CudaDriverBackend.TryParsePciBusId(busId, out var d, out var b, out var s));
        Assert.Equal((domain, bus, device), (d, b, s));
        Assert.False(CudaDriverBackend.TryParsePciBusId("", out _, out _, out _));
        Assert.False(CudaDriverBackend.TryParsePciBusId("zz:00.0", out _, out _, out _));
    }
}
