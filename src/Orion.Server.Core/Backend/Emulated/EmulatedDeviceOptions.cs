namespace Orion.Server.Core.Backend.Emulated;

/// <summary>How the emulated device presents itself and which kernels it can run.</summary>
public sealed class EmulatedDeviceOptions
{
    /// <summary>How many emulated devices to present (1..8).</summary>
    public int DeviceCount { get; init; } = 1;

    /// <summary>Device memory per emulated device; allocations beyond it fail with OutOfMemory.</summary>
    public ulong MemoryBytes { get; init; } = 512UL * 1024 * 1024;

    /// <summary>The kernels (and globals) that modules loaded on the emulated device resolve by name.</summary>
    public EmulatedKernelRegistry Kernels { get; init; } = new();

    /// <summary>
    /// Told of every stream-ordered copy between host and device memory, event record and host wait, on the calling thread,
    /// in order (null: nobody). The emulated device does its work at once, so this is how a test sees the order in which
    /// the server queues copies and waits for them (e.g. that the next chunk came from the network before the previous
    /// chunk's copy was waited for).
    /// </summary>
    public Action<EmulatedOperation>? Observer { get; init; }
}
