using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>The virtual memory management API (in libcuda since CUDA 10.2; none has a versioned symbol).</summary>
internal static unsafe partial class CudaDriverApi
{
    /// <summary><paramref name="option"/>: <c>CU_MEM_ALLOC_GRANULARITY_MINIMUM</c> (0) or <c>_RECOMMENDED</c> (1).</summary>
    [LibraryImport(LibraryName, EntryPoint = "cuMemGetAllocationGranularity")]
    internal static partial CudaStatus MemGetAllocationGranularity(nuint* granularity, CuMemAllocationProp* properties, int option);

    [LibraryImport(LibraryName, EntryPoint = "cuMemAddressReserve")]
    internal static partial CudaStatus MemAddressReserve(ulong* address, nuint bytes, nuint alignment, ulong addressHint, ulong flags);

    [LibraryImport(LibraryName, EntryPoint = "cuMemAddressFree")]
    internal static partial CudaStatus MemAddressFree(ulong address, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemCreate")]
    internal static partial CudaStatus MemCreate(ulong* handle, nuint bytes, CuMemAllocationProp* properties, ulong flags);

    [LibraryImport(LibraryName, EntryPoint = "cuMemRelease")]
    internal static partial CudaStatus MemRelease(ulong handle);

    [LibraryImport(LibraryName, EntryPoint = "cuMemMap")]
    internal static partial CudaStatus MemMap(ulong address, nuint bytes, nuint offset, ulong handle, ulong flags);

    [LibraryImport(LibraryName, EntryPoint = "cuMemUnmap")]
    internal static partial CudaStatus MemUnmap(ulong address, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemSetAccess")]
    internal static partial CudaStatus MemSetAccess(ulong address, nuint bytes, CuMemAccessDesc* descriptors, nuint count);
}
