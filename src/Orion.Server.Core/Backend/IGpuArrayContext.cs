namespace Orion.Server.Core.Backend;

/// <summary>
/// CUDA arrays, copies of boxes between host, device and array memory, and texture and surface
/// objects, in one context. A context (<see cref="IGpuContext"/>) implements it when its backend
/// supports arrays; the same threading and status rules apply, and disposing the context destroys
/// every array and object made in it.
/// </summary>
public interface IGpuArrayContext
{
    /// <summary><c>cuArray3DCreate_v2</c>.</summary>
    CudaStatus CreateArray(in ArrayDescriptor descriptor, out GpuArrayHandle array);

    /// <summary><c>cuArrayDestroy</c>.</summary>
    CudaStatus DestroyArray(GpuArrayHandle array);

    /// <summary><c>cuMemcpy3D_v2</c>.</summary>
    CudaStatus Copy3D(in MemoryCopy3D copy);

    /// <summary><c>cuMemcpy3DAsync_v2</c>; host sides are pinned.</summary>
    CudaStatus Copy3DAsync(in MemoryCopy3D copy, GpuStreamHandle stream);

    /// <summary><c>cuTexObjectCreate</c> without a resource view; <paramref name="textureObject"/> is the device's value, which kernels take.</summary>
    CudaStatus CreateTextureObject(in GpuTextureResource resource, in TextureSampling sampling, out ulong textureObject);

    /// <summary><c>cuTexObjectDestroy</c>.</summary>
    CudaStatus DestroyTextureObject(ulong textureObject);

    /// <summary><c>cuSurfObjectCreate</c> over an array.</summary>
    CudaStatus CreateSurfaceObject(GpuArrayHandle array, out ulong surfaceObject);

    /// <summary><c>cuSurfObjectDestroy</c>.</summary>
    CudaStatus DestroySurfaceObject(ulong surfaceObject);

    /// <summary><c>cuDeviceGetTexture1DLinearMaxWidth</c> for this context's device.</summary>
    CudaStatus GetTexture1DLinearMaxWidth(ArrayFormat format, uint channels, out ulong width);
}
