namespace Orion.Server.Core.VGpus;

/// <summary>
/// The vGPU settings of one source (the configuration file, the environment or the command line). Sources are applied
/// lowest first, and a device a source names replaces everything a lower one said of that device, as an
/// appsettings-style configuration lets a later source override a key.
/// </summary>
/// <param name="source">The source, as errors name it ("the command line", a file's path).</param>
internal sealed class VGpuLayer(string source)
{
    private readonly Dictionary<int, DeviceVGpuOptions> _devices = [];
    private readonly HashSet<int> _counted = [];

    public string Source { get; } = source;

    public double? MemoryOversubscription { get; set; }

    /// <summary>Device <paramref name="device"/> divided into <paramref name="count"/> equal vGPUs.</summary>
    public void SetCount(int device, int count, string setting)
    {
        if (_devices.ContainsKey(device))
        {
            throw new VGpuConfigurationException(_counted.Contains(device)
                ? $"{setting}: device {device} is given twice in {Source}"
                : $"{setting}: device {device} has slices in {Source} too; give a count of equal vGPUs or slices, not both");
        }
        _devices[device] = DeviceVGpuOptions.Equal(count);
        _counted.Add(device);
    }

    /// <summary>One more explicit vGPU on <paramref name="device"/>.</summary>
    public void AddSlice(int device, VGpuSliceOptions slice, string setting)
    {
        if (_counted.Contains(device))
        {
            throw new VGpuConfigurationException(
                $"{setting}: device {device} has a count of vGPUs in {Source} too; give a count of equal vGPUs or slices, not both");
        }
        if (!_devices.TryGetValue(device, out var options))
        {
            _devices[device] = options = new DeviceVGpuOptions();
        }
        options.Slices.Add(slice);
    }

    /// <summary>Puts this source's settings over <paramref name="options"/>: each device it names replaced whole.</summary>
    public void ApplyTo(VGpuOptions options)
    {
        foreach (var (device, division) in _devices)
        {
            options.Devices[device] = division;
        }
        if (MemoryOversubscription is { } ratio)
        {
            options.MemoryOversubscription = ratio;
        }
    }
}
