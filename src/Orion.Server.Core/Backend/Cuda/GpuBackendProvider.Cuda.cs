using Orion.Server.Core.Backend.Cuda;

namespace Orion.Server.Core.Backend;

/// <summary>Plugs the CUDA driver backend into <see cref="GpuBackendProvider.TryCreateCudaDriver"/>.</summary>
public static partial class GpuBackendProvider
{
    static partial void CreateCudaDriverBackend(ref IGpuBackend? backend, ref string? reason)
    {
        if (CudaDriverBackend.TryCreate(out IGpuBackend? created, out string why))
        {
            backend = created;
        }
        else
        {
            reason = why;
        }
    }
}
