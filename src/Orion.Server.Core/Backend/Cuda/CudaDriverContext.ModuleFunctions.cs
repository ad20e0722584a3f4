using System.Runtime.InteropServices;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// A module's kernels, by the driver's own walk: slot 7 of its private table <c>6e163fbe-b958-444d-835c-e182aff1991e</c>
/// calls back once per function of a module, (data, function, ...), whether or not the function was loaded yet (seen
/// on driver 580 with <c>tests/cuda/driver_trace/module_iterator_probe.c</c>; the public
/// <c>cuModuleGetFunctionCount</c> answered 0 for the same lazily loaded module). cuFFT walks its modules so; the
/// client does the same over the names this gives.
/// </summary>
internal sealed unsafe partial class CudaDriverContext
{
    private static ReadOnlySpan<byte> ModuleIteratorTableId =>
        [0x6e, 0x16, 0x3f, 0xbe, 0xb9, 0x58, 0x44, 0x4d, 0x83, 0x5c, 0xe1, 0x82, 0xaf, 0xf1, 0x99, 0x1e];

    /// <summary>The walk's slot in that table, whose first word is its size in bytes.</summary>
    private const int ModuleIteratorSlot = 7;

    public CudaStatus ListFunctionNames(GpuModuleHandle gpuModule, out IReadOnlyList<string> names)
    {
        names = [];
        CudaStatus status = Ready(gpuModule);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        void** table;
        fixed (byte* id = ModuleIteratorTableId)
        {
            status = CudaDriverApi.GetExportTable(&table, id);
        }
        if (status != CudaStatus.Success || table == null || (nuint)table[0] < (ModuleIteratorSlot + 1) * (nuint)sizeof(void*))
        {
            return CudaStatus.NotSupported;
        }

        var functions = new List<nint>();
        var collector = GCHandle.Alloc(functions);
        try
        {
            var walk = (delegate* unmanaged<nint, nint, delegate* unmanaged<nint, nint, nint, void>, nint, int>)table[ModuleIteratorSlot];
            walk(0, gpuModule.Value, &CollectFunction, GCHandle.ToIntPtr(collector));
        }
        finally
        {
            collector.Free();
        }

        var found = new string[functions.Count];
        for (int i = 0; i < found.Length; i++)
        {
            byte* name;
            status = CudaDriverApi.FuncGetName(&name, functions[i]);
            if (status != CudaStatus.Success)
            {
                return status;
            }
            found[i] = Marshal.PtrToStringUTF8((nint)name) ?? string.Empty;
        }
        names = found;
        return CudaStatus.Success;
    }

    [UnmanagedCallersOnly]
    private static void CollectFunction(nint data, nint function, nint unused)
    {
        if (GCHandle.FromIntPtr(data).Target is List<nint> functions && function != 0)
        {
            functions.Add(function);
        }
    }
}
