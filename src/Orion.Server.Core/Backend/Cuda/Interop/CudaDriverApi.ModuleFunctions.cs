using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>Walking a module's kernels (what cuFFT asks the driver for through a private table).</summary>
internal static unsafe partial class CudaDriverApi
{
    [LibraryImport(LibraryName, EntryPoint = "cuGetExportTable")]
    internal static partial CudaStatus GetExportTable(void*** table, byte* tableId);

    [LibraryImport(LibraryName, EntryPoint = "cuFuncGetName")]
    internal static partial CudaStatus FuncGetName(byte** name, nint function);
}
