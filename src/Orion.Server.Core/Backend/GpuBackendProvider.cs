namespace Orion.Server.Core.Backend;

/// <summary>
/// Finds the backend the server should use: the CUDA driver when it is built in and a GPU is
/// present, otherwise nothing (the host says why), and the emulated device only when asked for.
/// </summary>
public static partial class GpuBackendProvider
{
    /// <summary>
    /// Tries the CUDA driver backend. Fails with a reason when it is not built in, when
    /// <c>libcuda.so.1</c> cannot be loaded, or when there is no device.
    /// </summary>
    public static bool TryCreateCudaDriver(out IGpuBackend? backend, out string reason)
    {
        IGpuBackend? created = null;
        string? why = null;
        CreateCudaDriverBackend(ref created, ref why);
        backend = created;
        reason = created is null ? why ?? "the CUDA driver backend is not built into this server" : "";
        return created is not null;
    }

    /// <summary>The emulated device: for tests and development, never presented as a real GPU.</summary>
    public static IGpuBackend CreateEmulated(Emulated.EmulatedDeviceOptions? options = null) =>
        new Emulated.EmulatedGpuBackend(options ?? new Emulated.EmulatedDeviceOptions());

    // Implemented by Backend/Cuda (the CUDA driver backend) in a partial declaration of this class:
    //   static partial void CreateCudaDriverBackend(ref IGpuBackend? backend, ref string? reason)
    // sets backend on success or reason on failure. Until that file exists the call compiles away,
    // so this project builds with or without the driver backend.
    static partial void CreateCudaDriverBackend(ref IGpuBackend? backend, ref string? reason);
}
