using System.Globalization;

namespace Orion.Server.Core.VGpus;

/// <summary>How one device is divided: <see cref="Count"/> equal vGPUs, or the explicit <see cref="Slices"/> (one of the two).</summary>
public sealed class DeviceVGpuOptions
{
    /// <summary>This many equal vGPUs: each has the device's memory divided by the count (times the oversubscription ratio)
    /// and a compute share of 100% divided by the count (rounded down). 0 when <see cref="Slices"/> are given.</summary>
    public int Count { get; set; }

    /// <summary>vGPUs of chosen sizes, numbered in this order.</summary>
    public IList<VGpuSliceOptions> Slices { get; } = [];

    /// <summary><paramref name="count"/> equal vGPUs.</summary>
    public static DeviceVGpuOptions Equal(int count) => new() { Count = count };

    /// <summary>The given vGPUs.</summary>
    public static DeviceVGpuOptions Explicit(params IEnumerable<VGpuSliceOptions> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        var options = new DeviceVGpuOptions();
        foreach (var slice in slices)
        {
            options.Slices.Add(slice);
        }
        return options;
    }

    /// <summary>Checks the division without the device's memory (<see cref="VGpuOptions.Validate"/>).</summary>
    internal void Validate(int device)
    {
        if (Count != 0 && Slices.Count != 0)
        {
            throw new VGpuConfigurationException($"device {device}: give a count of equal vGPUs or slices, not both");
        }
        var count = Count != 0 ? Count : Slices.Count;
        if (count <= 0)
        {
            throw new VGpuConfigurationException($"device {device}: no vGPUs (a count of at least 1, or at least one slice)");
        }
        if (count > VGpuOptions.MaxVGpusPerDevice)
        {
            throw new VGpuConfigurationException(
                $"device {device}: {count} vGPUs; at most {VGpuOptions.MaxVGpusPerDevice} per device (each has at least a 1% compute share)");
        }
        var shares = 0;
        for (var i = 0; i < Slices.Count; i++)
        {
            var slice = Slices[i] ?? throw new VGpuConfigurationException($"device {device}: vGPU {i} has no settings");
            if (slice.MemoryBytes == 0)
            {
                throw new VGpuConfigurationException($"device {device}: vGPU {i} has no memory");
            }
            if (slice.SharePercent is { } share)
            {
                if (share is < 1 or > 100)
                {
                    throw new VGpuConfigurationException(string.Create(CultureInfo.InvariantCulture,
                        $"device {device}: vGPU {i} has a compute share of {share}%; a share is 1 to 100%"));
                }
                shares += share;
            }
        }
        if (shares > 100)
        {
            throw new VGpuConfigurationException($"device {device}: the vGPUs' compute shares add up to {shares}%, more than 100%");
        }
    }
}
