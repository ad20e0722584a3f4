namespace Orion.Server.Core.VGpus;

/// <summary>Where admission put a session.</summary>
/// <param name="Device">The one device the session sees (the server's device number); null: every device, as on a
/// server without vGPUs when the hello asked for nothing.</param>
/// <param name="Slice">The vGPU it holds on that device; null on a device that is not divided.</param>
internal sealed record VGpuPlacement(int? Device, VGpuSlice? Slice)
{
    /// <summary>Every device, nothing held: a server without vGPUs and a hello that asks for nothing.</summary>
    public static VGpuPlacement AllDevices { get; } = new(null, null);
}
