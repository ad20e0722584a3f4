using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

// CUDA arrays, 3D copies, texture and surface objects (CUDA 13 cuda.h names and versioned symbols).
internal static unsafe partial class CudaDriverApi
{
    [LibraryImport(LibraryName, EntryPoint = "cuArray3DCreate_v2")]
    internal static partial CudaStatus Array3DCreate(nint* array, CuArray3DDescriptor* descriptor);

    [LibraryImport(LibraryName, EntryPoint = "cuArrayDestroy")]
    internal static partial CudaStatus ArrayDestroy(nint array);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpy3D_v2")]
    internal static partial CudaStatus Memcpy3D(CuMemcpy3D* copy);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpy3DAsync_v2")]
    internal static partial CudaStatus Memcpy3DAsync(CuMemcpy3D* copy, nint stream);

    /// <summary><c>cuTexObjectCreate</c>; <paramref name="viewDescriptor"/> (a <c>CUDA_RESOURCE_VIEW_DESC</c>) is always null here.</summary>
    [LibraryImport(LibraryName, EntryPoint = "cuTexObjectCreate")]
    internal static partial CudaStatus TexObjectCreate(ulong* textureObject, CuResourceDesc* resource, CuTextureDesc* texture, void* viewDescriptor);

    [LibraryImport(LibraryName, EntryPoint = "cuTexObjectDestroy")]
    internal static partial CudaStatus TexObjectDestroy(ulong textureObject);

    [LibraryImport(LibraryName, EntryPoint = "cuSurfObjectCreate")]
    internal static partial CudaStatus SurfObjectCreate(ulong* surfaceObject, CuResourceDesc* resource);

    [LibraryImport(LibraryName, EntryPoint = "cuSurfObjectDestroy")]
    internal static partial CudaStatus SurfObjectDestroy(ulong surfaceObject);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceGetTexture1DLinearMaxWidth")]
    internal static partial CudaStatus DeviceGetTexture1DLinearMaxWidth(nuint* width, uint format, uint channels, int device);
}
