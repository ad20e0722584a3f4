using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>Stream-ordered memory pools and cooperative launches (all in libcuda since CUDA 11.2; none has a versioned symbol).</summary>
internal static unsafe partial class CudaDriverApi
{
    [LibraryImport(LibraryName, EntryPoint = "cuCtxGetDevice")]
    internal static partial CudaStatus CtxGetDevice(int* device);

    [LibraryImport(LibraryName, EntryPoint = "cuMemPoolCreate")]
    internal static partial CudaStatus MemPoolCreate(nint* pool, CuMemPoolProps* properties);

    [LibraryImport(LibraryName, EntryPoint = "cuMemPoolDestroy")]
    internal static partial CudaStatus MemPoolDestroy(nint pool);

    /// <summary><paramref name="value"/> points at an <c>int</c> (reuse policies) or a <c>cuuint64_t</c> (the rest).</summary>
    [LibraryImport(LibraryName, EntryPoint = "cuMemPoolSetAttribute")]
    internal static partial CudaStatus MemPoolSetAttribute(nint pool, int attribute, void* value);

    /// <summary>As <see cref="MemPoolSetAttribute"/>: the value's width depends on the attribute.</summary>
    [LibraryImport(LibraryName, EntryPoint = "cuMemPoolGetAttribute")]
    internal static partial CudaStatus MemPoolGetAttribute(nint pool, int attribute, void* value);

    [LibraryImport(LibraryName, EntryPoint = "cuMemPoolTrimTo")]
    internal static partial CudaStatus MemPoolTrimTo(nint pool, nuint minBytesToKeep);

    [LibraryImport(LibraryName, EntryPoint = "cuMemAllocFromPoolAsync")]
    internal static partial CudaStatus MemAllocFromPoolAsync(ulong* devicePointer, nuint bytes, nint pool, nint stream);

    /// <summary><paramref name="kernelParams"/>: one pointer per parameter (the driver takes no packed buffer here).</summary>
    [LibraryImport(LibraryName, EntryPoint = "cuLaunchCooperativeKernel")]
    internal static partial CudaStatus LaunchCooperativeKernel(nint function, uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ, uint sharedMemoryBytes, nint stream, void** kernelParams);
}
