using System.Globalization;

namespace Orion.Server.Core.VGpus;

/// <summary>
/// How the server divides its GPUs into vGPUs (<see cref="OrionServerOptions.VGpus"/>): per device, a count of equal
/// vGPUs or explicit slices, each with a memory quota and a compute share. A session is placed on one free vGPU (the
/// smallest that has what its hello asks for) and sees only that device, with the vGPU's memory as its own; the vGPU
/// is free again when the session ends. Devices not listed are not divided: they take sessions as before.
/// <see cref="VGpuConfiguration"/> reads these from a configuration file, the environment and the command line.
/// </summary>
public sealed class VGpuOptions
{
    /// <summary>Most vGPUs on one device: each has at least a 1% compute share.</summary>
    public const int MaxVGpusPerDevice = Orion.Cuda.Protocol.Wire.ProtocolLimits.MaxVGpusPerDevice;

    /// <summary>The largest memory oversubscription accepted: a ratio, so 1.5 means 150% (a typo of 150 is refused).</summary>
    public const double MaxMemoryOversubscription = 16;

    /// <summary>The divided devices by backend ordinal (the GPU's number on this host, as <see cref="OrionServerOptions.Devices"/> and
    /// <c>--device</c> name it). Empty (the default): no vGPUs; sessions see every exposed device, as without this option.</summary>
    public IDictionary<int, DeviceVGpuOptions> Devices { get; } = new SortedDictionary<int, DeviceVGpuOptions>();

    /// <summary>
    /// How much device memory a device's vGPUs may promise together, as a multiple of its memory: 1 (the default) promises no
    /// more than the device has; 1.5 lets its vGPUs' quotas add up to 150% of it, betting that not every tenant fills its
    /// quota at once (a tenant may then meet out of memory below its quota). Equal vGPUs get the device's memory times
    /// this ratio divided by their count (at most the device's memory each).
    /// </summary>
    public double MemoryOversubscription { get; set; } = 1.0;

    /// <summary>True when no device is divided.</summary>
    public bool IsEmpty => Devices.Count == 0;

    /// <summary>
    /// Checks what can be checked without the devices (counts, shares, the ratio); the memory of each vGPU against its
    /// device's is checked when the server starts. Throws <see cref="VGpuConfigurationException"/> with one line naming the device.
    /// </summary>
    public void Validate()
    {
        if (!(MemoryOversubscription >= 1 && MemoryOversubscription <= MaxMemoryOversubscription))
        {
            throw new VGpuConfigurationException(string.Create(CultureInfo.InvariantCulture,
                $"memory oversubscription {MemoryOversubscription} is not a ratio between 1 (none) and {MaxMemoryOversubscription} (1.5 allows 150%)"));
        }
        foreach (var (device, options) in Devices)
        {
            if (device < 0)
            {
                throw new VGpuConfigurationException($"device {device} is not a device ordinal (0, 1, ...)");
            }
            if (options is null)
            {
                throw new VGpuConfigurationException($"device {device}: no vGPU settings");
            }
            options.Validate(device);
        }
    }
}
