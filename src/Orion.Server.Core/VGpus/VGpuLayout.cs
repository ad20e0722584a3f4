using System.Globalization;

namespace Orion.Server.Core.VGpus;

/// <summary>
/// The vGPUs of each exposed device, resolved from <see cref="VGpuOptions"/> against the devices' memory when the server
/// starts: equal vGPUs sized, default shares worked out, and every vGPU's memory checked against its device's (one line
/// per problem, <see cref="VGpuConfigurationException"/>).
/// </summary>
internal sealed class VGpuLayout
{
    private const ulong Mebibyte = 1UL << 20;

    private VGpuLayout(IReadOnlyList<VGpuSlice>?[] slices) => SlicesByDevice = slices;

    /// <summary>Per exposed device (the server's device number), its vGPUs, or null when it is not divided.</summary>
    public IReadOnlyList<IReadOnlyList<VGpuSlice>?> SlicesByDevice { get; }

    /// <summary>True when at least one device is divided: every session is then placed on one device.</summary>
    public bool IsDivided => SlicesByDevice.Any(slices => slices is not null);

    /// <param name="options">The validated configuration, keyed by backend ordinal.</param>
    /// <param name="ordinals">The backend ordinals of the exposed devices, in the server's order.</param>
    /// <param name="deviceMemory">Each exposed device's memory, in the same order.</param>
    public static VGpuLayout Resolve(VGpuOptions options, IReadOnlyList<int> ordinals, IReadOnlyList<ulong> deviceMemory)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var slices = new IReadOnlyList<VGpuSlice>?[ordinals.Count];
        foreach (var (ordinal, division) in options.Devices)
        {
            var device = IndexOf(ordinals, ordinal);
            if (device < 0)
            {
                throw new VGpuConfigurationException(
                    $"vGPUs are configured for device {ordinal}, which the server does not expose (it exposes {string.Join(", ", ordinals)})");
            }
            slices[device] = division.Count > 0
                ? EqualSlices(device, division.Count, deviceMemory[device], options.MemoryOversubscription)
                : ExplicitSlices(device, ordinal, division.Slices, deviceMemory[device], options.MemoryOversubscription);
        }
        return new VGpuLayout(slices);
    }

    /// <summary>No device divided: every session sees every device, as without vGPUs.</summary>
    public static VGpuLayout Undivided(int deviceCount) => new(new IReadOnlyList<VGpuSlice>?[deviceCount]);

    private static VGpuSlice[] EqualSlices(int device, int count, ulong memory, double ratio)
    {
        // Whole MiB: a size a person reads at a glance, and what allocators round to anyway.
        var promised = (ulong)Math.Min(memory * ratio, ulong.MaxValue);
        var each = Math.Min(memory, promised / (ulong)count);
        if (each >= Mebibyte)
        {
            each -= each % Mebibyte;
        }
        return [.. Enumerable.Range(0, count).Select(index => new VGpuSlice(device, index, each, 100 / count))];
    }

    private static VGpuSlice[] ExplicitSlices(int device, int ordinal, IList<VGpuSliceOptions> configured, ulong memory, double ratio)
    {
        var promised = ratio == 1 ? memory : (ulong)Math.Min(memory * ratio, ulong.MaxValue);
        var slices = new VGpuSlice[configured.Count];
        UInt128 total = 0;
        var shares = 0;
        for (var i = 0; i < slices.Length; i++)
        {
            var slice = configured[i];
            if (slice.MemoryBytes > memory)
            {
                throw new VGpuConfigurationException(
                    $"device {ordinal}: vGPU {i} has {ByteSize.Format(slice.MemoryBytes)}; the device has {ByteSize.Format(memory)}");
            }
            total += slice.MemoryBytes;
            // Unset: the vGPU's part of the memory promised, so that equal memory gets equal compute.
            var share = slice.SharePercent ?? Math.Max(1, (int)((UInt128)slice.MemoryBytes * 100 / promised));
            shares += share;
            slices[i] = new VGpuSlice(device, i, slice.MemoryBytes, share);
        }
        if (total > promised)
        {
            var needed = Math.Ceiling((double)total / memory * 100) / 100;
            var limit = ratio == 1
                ? $"its {ByteSize.Format(memory)}"
                : string.Create(CultureInfo.InvariantCulture, $"{ratio} x its {ByteSize.Format(memory)}");
            throw new VGpuConfigurationException(string.Create(CultureInfo.InvariantCulture,
                $"device {ordinal}: its vGPUs have {ByteSize.Format((ulong)total)} together, more than {limit} (a memory oversubscription of at least {needed} allows it)"));
        }
        if (shares > 100)
        {
            throw new VGpuConfigurationException($"device {ordinal}: the vGPUs' compute shares add up to {shares}% (those not given are their part of the memory), more than 100%");
        }
        return slices;
    }

    private static int IndexOf(IReadOnlyList<int> ordinals, int ordinal)
    {
        for (var i = 0; i < ordinals.Count; i++)
        {
            if (ordinals[i] == ordinal)
            {
                return i;
            }
        }
        return -1;
    }
}
