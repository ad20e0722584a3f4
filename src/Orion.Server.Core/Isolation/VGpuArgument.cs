using System.Globalization;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.Isolation;

/// <summary>
/// The vGPU of a worker's session on its command line: <c>device=0,slice=1,memory-bytes=25769803776,share=30</c>, so that
/// the worker's welcome reports what the supervisor placed (its memory quota travels as a session limit).
/// </summary>
internal static class VGpuArgument
{
    public static string Format(VGpuAssignment vgpu) => string.Create(CultureInfo.InvariantCulture,
        $"device={vgpu.Device},slice={vgpu.Slice},memory-bytes={vgpu.MemoryBytes},share={vgpu.SharePercent}");

    /// <summary>The assignment <see cref="Format"/> wrote; false for anything else (a field missing, repeated, unknown or out of range).</summary>
    public static bool TryParse(string text, out VGpuAssignment? vgpu)
    {
        vgpu = null;
        var fields = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var field in text.Split(','))
        {
            var equals = field.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !ulong.TryParse(field.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                || !fields.TryAdd(field[..equals], value))
            {
                return false;
            }
        }
        if (fields.Count != 4 || !fields.TryGetValue("device", out var device) || !fields.TryGetValue("slice", out var slice)
            || !fields.TryGetValue("memory-bytes", out var memory) || !fields.TryGetValue("share", out var share)
            || device >= ProtocolLimits.MaxDevices || slice >= ushort.MaxValue || memory == 0 || share is 0 or > 100)
        {
            return false;
        }
        vgpu = new VGpuAssignment((int)device, (int)slice, memory, (int)share);
        return true;
    }
}
