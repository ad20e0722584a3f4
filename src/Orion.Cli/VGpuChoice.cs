using System.Globalization;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cli;

/// <summary>
/// <c>orion run</c>'s <c>--vgpu-memory</c>, <c>--vgpu-share</c> and <c>--vgpu-device</c>: what the program's sessions ask of
/// the server's vGPUs, passed to its client library as <c>ORION_VGPU_MEMORY</c>, <c>ORION_VGPU_SHARE</c> and
/// <c>ORION_VGPU_DEVICE</c>. Checked here with the client library's rules, so that a typo is one line before the program
/// runs rather than a program without a GPU.
/// </summary>
/// <param name="Memory">A size (<c>24G</c>, <c>512M</c>, bytes), or null.</param>
/// <param name="Share">A compute share in percent (1..100), or null.</param>
/// <param name="Device">The server's device number, or null.</param>
internal sealed record VGpuChoice(string? Memory, string? Share, string? Device)
{
    public const string MemoryVariable = "ORION_VGPU_MEMORY";
    public const string ShareVariable = "ORION_VGPU_SHARE";
    public const string DeviceVariable = "ORION_VGPU_DEVICE";

    public static VGpuChoice None { get; } = new(null, null, null);

    /// <summary>The variables to set, in a fixed order: only those given; a malformed value is a <see cref="CliException"/> (exit code 2).</summary>
    public IEnumerable<KeyValuePair<string, string>> Settings()
    {
        if (Memory is not null)
        {
            if (!ByteSize.TryParse(Memory, out _))
            {
                throw new CliException($"--vgpu-memory '{Memory}' is not a size (e.g. 24G, 512M or a number of bytes)", ExitCodes.Usage);
            }
            yield return new(MemoryVariable, Memory.Trim());
        }
        if (Share is not null)
        {
            if (!int.TryParse(Share.Trim().TrimEnd('%'), NumberStyles.None, CultureInfo.InvariantCulture, out var percent) || percent is < 1 or > 100)
            {
                throw new CliException($"--vgpu-share '{Share}' is not a compute share in percent between 1 and 100", ExitCodes.Usage);
            }
            yield return new(ShareVariable, percent.ToString(CultureInfo.InvariantCulture));
        }
        if (Device is not null)
        {
            if (!int.TryParse(Device.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number >= ProtocolLimits.MaxDevices)
            {
                throw new CliException($"--vgpu-device '{Device}' is not a device number between 0 and {ProtocolLimits.MaxDevices - 1}", ExitCodes.Usage);
            }
            yield return new(DeviceVariable, number.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>What the program's sessions will ask of the server (as its client library reads the variables <see cref="Settings"/> sets).</summary>
    public VGpuRequest ToRequest()
    {
        var values = Settings().ToDictionary(setting => setting.Key, setting => setting.Value, StringComparer.Ordinal);
        ulong memory = 0;
        if (values.TryGetValue(MemoryVariable, out var size) && !ByteSize.TryParse(size, out memory))
        {
            throw new CliException($"--vgpu-memory '{Memory}' is not a size (e.g. 24G, 512M or a number of bytes)", ExitCodes.Usage); // Settings checked it already
        }
        return new VGpuRequest(
            memory,
            values.TryGetValue(ShareVariable, out var share) ? int.Parse(share, CultureInfo.InvariantCulture) : 0,
            values.TryGetValue(DeviceVariable, out var device) ? int.Parse(device, CultureInfo.InvariantCulture) : null);
    }
}
