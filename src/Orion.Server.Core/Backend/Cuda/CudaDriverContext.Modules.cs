using System.Runtime.InteropServices;
using System.Text;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>Modules, functions and launches.</summary>
internal sealed unsafe partial class CudaDriverContext
{
    /// <summary>More parameters than CUDA's 32,764-byte parameter space could hold is a broken function.</summary>
    private const int MaxKernelParameters = 32_768;

    /// <summary>Longest symbol name accepted (mangled C++ names can be long, but not this long).</summary>
    private const int MaxSymbolNameBytes = 64 * 1024;

    private const int StackNameBytes = 512;

    public CudaStatus LoadModule(ReadOnlySpan<byte> image, out GpuModuleHandle gpuModule)
    {
        gpuModule = default;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!CudaModuleImage.TryClassify(image, out CudaModuleImageKind kind, out _))
        {
            return CudaStatus.InvalidImage;
        }

        // The driver gets an aligned private copy: binary images want 8-byte alignment, which a
        // receive buffer need not give, and PTX must end in a NUL the sender may have left off.
        int length = kind == CudaModuleImageKind.Ptx ? CudaModuleImage.PtxLength(image) : image.Length;
        byte* copy = (byte*)NativeMemory.AlignedAlloc((nuint)length + 1, 64);
        try
        {
            image[..length].CopyTo(new Span<byte>(copy, length));
            copy[length] = 0;
            nint module;
            status = CudaDriverApi.ModuleLoadData(&module, copy);
            if (status == CudaStatus.Success)
            {
                _moduleFunctions[module] = [];
                gpuModule = new GpuModuleHandle(module);
            }

            return status;
        }
        finally
        {
            NativeMemory.AlignedFree(copy);
        }
    }

    public CudaStatus UnloadModule(GpuModuleHandle gpuModule)
    {
        CudaStatus status = Ready(gpuModule);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        status = CudaDriverApi.ModuleUnload(gpuModule.Value);
        if (status == CudaStatus.Success && _moduleFunctions.Remove(gpuModule.Value, out HashSet<nint>? functions))
        {
            // The module's functions die with it: a later launch of one gets InvalidHandle from
            // here instead of handing the driver a dangling CUfunction.
            foreach (nint function in functions)
            {
                _parameterBytes.Remove(function);
                _parameterLayouts.Remove(function);
            }
        }

        return status;
    }

    public CudaStatus GetFunction(GpuModuleHandle gpuModule, string name, out GpuFunctionHandle kernel, out KernelParameterInfo[] parameters)
    {
        kernel = default;
        parameters = [];
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!_moduleFunctions.TryGetValue(gpuModule.Value, out HashSet<nint>? moduleFunctions))
        {
            return CudaStatus.InvalidHandle;
        }

        status = CheckSymbolName(name, out int nameBytes);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        Span<byte> cName = nameBytes <= StackNameBytes ? stackalloc byte[StackNameBytes] : new byte[nameBytes];
        WriteCName(name, cName);
        nint function;
        fixed (byte* namePointer = cName)
        {
            status = CudaDriverApi.ModuleGetFunction(&function, gpuModule.Value, namePointer);
        }

        if (status != CudaStatus.Success)
        {
            return status;
        }

        var layout = new List<KernelParameterInfo>();
        int packedBytes = 0;
        for (int index = 0; ; index++)
        {
            if (index >= MaxKernelParameters)
            {
                return CudaStatus.InvalidValue;
            }

            nuint offset, size;
            status = CudaDriverApi.FuncGetParamInfo(function, (nuint)index, &offset, &size);
            if (status == CudaStatus.InvalidValue)
            {
                break; // one past the last parameter
            }

            if (status != CudaStatus.Success)
            {
                return status;
            }

            layout.Add(new KernelParameterInfo((uint)offset, (uint)size));
            packedBytes = Math.Max(packedBytes, (int)(offset + size));
        }

        _parameterBytes[function] = packedBytes;
        _parameterLayouts[function] = [.. layout]; // cooperative launches pass one pointer per parameter
        // A set: the driver gives the same CUfunction for every lookup of a name, so a client that
        // looks a function up again and again must not grow this without bound.
        moduleFunctions.Add(function);
        kernel = new GpuFunctionHandle(function);
        parameters = [.. layout];
        return CudaStatus.Success;
    }

    public CudaStatus GetGlobal(GpuModuleHandle gpuModule, string name, out ulong address, out ulong bytes)
    {
        address = bytes = 0;
        CudaStatus status = Ready(gpuModule);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        status = CheckSymbolName(name, out int nameBytes);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        Span<byte> cName = nameBytes <= StackNameBytes ? stackalloc byte[StackNameBytes] : new byte[nameBytes];
        WriteCName(name, cName);
        ulong pointer;
        nuint size;
        fixed (byte* namePointer = cName)
        {
            status = CudaDriverApi.ModuleGetGlobal(&pointer, &size, gpuModule.Value, namePointer);
        }

        if (status == CudaStatus.Success)
        {
            address = pointer;
            bytes = size;
        }

        return status;
    }

    public CudaStatus GetFunctionAttribute(GpuFunctionHandle kernel, FunctionAttributeId attribute, out int value)
    {
        value = 0;
        CudaStatus status = Ready(kernel);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        int result;
        status = CudaDriverApi.FuncGetAttribute(&result, (int)attribute, kernel.Value);
        value = result;
        return status;
    }

    public CudaStatus SetFunctionAttribute(GpuFunctionHandle kernel, FunctionAttributeId attribute, int value) =>
        Ready(kernel) is var s && s != CudaStatus.Success ? s : CudaDriverApi.FuncSetAttribute(kernel.Value, (int)attribute, value);

    public CudaStatus SetFunctionCacheConfig(GpuFunctionHandle kernel, FunctionCacheConfig config) =>
        Ready(kernel) is var s && s != CudaStatus.Success ? s : CudaDriverApi.FuncSetCacheConfig(kernel.Value, (int)config);

    public CudaStatus GetAvailableDynamicSharedMemory(GpuFunctionHandle kernel, int blocksPerMultiprocessor, int blockSize, out ulong bytes)
    {
        bytes = 0;
        CudaStatus status = Ready(kernel);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nuint result;
        status = CudaDriverApi.OccupancyAvailableDynamicSMemPerBlock(&result, kernel.Value, blocksPerMultiprocessor, blockSize);
        bytes = result;
        return status;
    }

    public CudaStatus GetMaxActiveBlocksPerMultiprocessor(GpuFunctionHandle kernel, int blockSize, ulong dynamicSharedMemoryBytes, uint flags, out int blocks)
    {
        blocks = 0;
        CudaStatus status = Ready(kernel);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        int result;
        status = CudaDriverApi.OccupancyMaxActiveBlocksPerMultiprocessorWithFlags(&result, kernel.Value, blockSize, (nuint)dynamicSharedMemoryBytes, flags);
        blocks = result;
        return status;
    }

    public CudaStatus GetMaxActiveClusters(GpuFunctionHandle kernel, in LaunchConfiguration configuration, Dim3 cluster, out int clusters)
    {
        clusters = 0;
        CudaStatus status = Ready(kernel);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        // No cluster attribute at all lets the driver use the function's compile-time cluster shape.
        var attribute = new CuLaunchAttribute { Id = CuLaunchAttribute.ClusterDimension, Value0 = cluster.X, Value1 = cluster.Y, Value2 = cluster.Z };
        var config = new CuLaunchConfig
        {
            GridDimX = configuration.Grid.X, GridDimY = configuration.Grid.Y, GridDimZ = configuration.Grid.Z,
            BlockDimX = configuration.Block.X, BlockDimY = configuration.Block.Y, BlockDimZ = configuration.Block.Z,
            SharedMemBytes = configuration.SharedMemoryBytes,
            Attributes = cluster.Volume == 0 ? null : &attribute,
            AttributeCount = cluster.Volume == 0 ? 0u : 1u,
        };
        int result;
        status = CudaDriverApi.OccupancyMaxActiveClusters(&result, kernel.Value, &config);
        clusters = result;
        return status;
    }

    public CudaStatus Launch(GpuFunctionHandle kernel, in LaunchConfiguration configuration, GpuStreamHandle stream, ReadOnlySpan<byte> parameters) =>
        LaunchPacked(kernel, configuration, stream, parameters, null);

    /// <summary>
    /// A launch with the packed parameter buffer as <c>extra</c>: <c>cuLaunchKernel</c>, or <c>cuLaunchKernelEx</c> with
    /// <paramref name="attributed"/>'s attributes (its geometry and stream are filled in here).
    /// </summary>
    private CudaStatus LaunchPacked(GpuFunctionHandle kernel, in LaunchConfiguration configuration, GpuStreamHandle stream, ReadOnlySpan<byte> parameters,
        CuLaunchConfig* attributed)
    {
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        // Only functions obtained through GetFunction, with at least their packed size: the driver
        // reads exactly that many bytes from the buffer, so a shorter one would be read past its end.
        if (!_parameterBytes.TryGetValue(kernel.Value, out int required))
        {
            return CudaStatus.InvalidHandle;
        }

        if (parameters.Length < required)
        {
            return CudaStatus.InvalidValue;
        }

        Dim3 grid = configuration.Grid, block = configuration.Block;
        if (attributed != null)
        {
            (attributed->GridDimX, attributed->GridDimY, attributed->GridDimZ) = (grid.X, grid.Y, grid.Z);
            (attributed->BlockDimX, attributed->BlockDimY, attributed->BlockDimZ) = (block.X, block.Y, block.Z);
            attributed->SharedMemBytes = configuration.SharedMemoryBytes;
            attributed->Stream = stream.Value;
        }

        fixed (byte* packed = parameters)
        {
            nuint size = (nuint)required;
            void** extra = stackalloc void*[5];
            extra[0] = LaunchParamBufferPointer;
            extra[1] = packed;
            extra[2] = LaunchParamBufferSize;
            extra[3] = &size;
            extra[4] = null; // CU_LAUNCH_PARAM_END
            void** passed = required == 0 ? null : extra;
            return attributed == null
                ? CudaDriverApi.LaunchKernel(kernel.Value, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, configuration.SharedMemoryBytes, stream.Value,
                    null, passed)
                : CudaDriverApi.LaunchKernelEx(attributed, kernel.Value, null, passed);
        }
    }

    /// <summary>Checks a symbol name and gives the bytes its NUL-terminated UTF-8 form needs.</summary>
    private static CudaStatus CheckSymbolName(string name, out int bytes)
    {
        bytes = Encoding.UTF8.GetByteCount(name) + 1;
        if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal))
        {
            return CudaStatus.InvalidValue;
        }

        // No module has a symbol this long, so the honest answer is "not found".
        return bytes > MaxSymbolNameBytes ? CudaStatus.NotFound : CudaStatus.Success;
    }

    private static void WriteCName(string name, Span<byte> destination)
    {
        int written = Encoding.UTF8.GetBytes(name, destination);
        destination[written] = 0;
    }
}
