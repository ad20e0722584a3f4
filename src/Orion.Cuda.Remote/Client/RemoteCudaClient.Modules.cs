using System.Buffers.Binary;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Modules;

namespace Orion.Cuda.Remote.Client;

// Modules, functions and launches. The server reads each function's parameter layout when it is
// looked up; the client keeps it and packs arguments by it, so a launch is one small record.
public sealed partial class RemoteCudaClient
{
    /// <summary>Loads a module image (fatbin, cubin or PTX text) on the current device.</summary>
    public unsafe CudaStatus LoadModule(ReadOnlySpan<byte> image, out ulong module)
    {
        fixed (byte* pointer = image)
        {
            return LoadModule((nint)pointer, (ulong)image.Length, out module);
        }
    }

    /// <summary>Loads a module image from native memory (the C front end's fatbin pointer).</summary>
    public unsafe CudaStatus LoadModule(nint image, ulong bytes, out ulong module)
    {
        module = 0;
        if (image == 0 && bytes > 0)
        {
            return CudaStatus.InvalidValue;
        }
        // A library's fat binary carries code for every GPU generation: only what the server's GPU runs travels.
        if (bytes >= CachedImageThreshold && bytes <= int.MaxValue && CurrentDevice < Devices.Count
            && FatbinSelection.Select(new ReadOnlySpan<byte>((void*)image, (int)bytes), Devices[CurrentDevice].ComputeCapability.Major,
                Devices[CurrentDevice].ComputeCapability.Minor) is { } selected)
        {
            fixed (byte* kept = selected)
            {
                return LoadWholeOrCached((nint)kept, (ulong)selected.Length, out module);
            }
        }
        return LoadWholeOrCached(image, bytes, out module);
    }

    private CudaStatus LoadWholeOrCached(nint image, ulong bytes, out ulong module)
    {
        module = 0;
        if ((_welcome.Features & ProtocolFeatures.ModuleCache) != 0 && bytes >= CachedImageThreshold && TryLoadCached(image, bytes, out module) is { } cached)
        {
            return cached;
        }
        var handle = NewHandle();
        var status = Remote.LoadModule(handle, bytes, new HostBuffer(image));
        module = status == CudaStatus.Success ? handle : 0;
        return status;
    }

    /// <summary>Images this large are first asked for by content: hashing costs less than sending them again.</summary>
    private const ulong CachedImageThreshold = 64 * 1024;

    /// <summary>
    /// Asks the server for the image by its SHA-256; null when the server does not hold it (the image then
    /// goes whole, and the server keeps it for the next process), else the load's result.
    /// </summary>
    private unsafe CudaStatus? TryLoadCached(nint image, ulong bytes, out ulong module)
    {
        module = 0;
        if (bytes > int.MaxValue)
        {
            return null;
        }
        Span<byte> sha256 = stackalloc byte[32];
        try
        {
            System.Security.Cryptography.SHA256.HashData(new ReadOnlySpan<byte>((void*)image, (int)bytes), sha256);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or DllNotFoundException or TypeInitializationException)
        {
            return null; // no hashing here (no OpenSSL on this host): the image goes whole, as without a cache
        }
        var handle = NewHandle();
        var status = Remote.LoadCachedModule(handle, bytes,
            BinaryPrimitives.ReadUInt64LittleEndian(sha256), BinaryPrimitives.ReadUInt64LittleEndian(sha256[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(sha256[16..]), BinaryPrimitives.ReadUInt64LittleEndian(sha256[24..]));
        if (status == CudaStatus.NotFound)
        {
            return null;
        }
        module = status == CudaStatus.Success ? handle : 0;
        return status;
    }

    public CudaStatus UnloadModule(ulong module) => Remote.UnloadModule(module);

    /// <summary>Looks up a kernel; its parameter layout is kept for launches and returned by <see cref="GetParameterLayout"/>.</summary>
    public CudaStatus GetFunction(ulong module, string name, out ulong function)
    {
        ArgumentNullException.ThrowIfNull(name);
        function = 0;
        var handle = NewHandle();
        var status = Remote.GetFunction(module, handle, name, out var layout);
        if (status == CudaStatus.Success)
        {
            _layouts[handle] = layout;
            function = handle;
        }
        return status;
    }

    /// <summary>The parameter layout the server reported for <paramref name="function"/>, or null for an unknown handle.</summary>
    public IReadOnlyList<KernelParameterInfo>? GetParameterLayout(ulong function) =>
        _layouts.TryGetValue(function, out var layout) ? layout : null;

    /// <summary>Bytes of the packed parameter buffer of <paramref name="function"/> (-1 for an unknown handle).</summary>
    public int GetParameterBufferSize(ulong function) =>
        _layouts.TryGetValue(function, out var layout) ? PackedSize(layout) : -1;

    internal static int PackedSize(KernelParameterInfo[] layout)
    {
        var size = 0u;
        foreach (var parameter in layout)
        {
            size = Math.Max(size, parameter.Offset + parameter.Size);
        }
        return (int)size;
    }

    /// <summary>A <c>__device__</c> or <c>__constant__</c> variable of a module: its address and size.</summary>
    public CudaStatus GetGlobal(ulong module, string name, out ulong address, out ulong bytes)
    {
        ArgumentNullException.ThrowIfNull(name);
        var status = Remote.GetGlobal(module, name, out address, out bytes);
        (address, bytes) = status == CudaStatus.Success ? (address, bytes) : (0, 0);
        return status;
    }

    /// <summary><c>cuFuncGetAttribute</c>; <paramref name="attribute"/> is a <c>CUfunction_attribute</c> value.</summary>
    public CudaStatus GetFunctionAttribute(ulong function, int attribute, out int value) => Remote.GetFunctionAttribute(function, attribute, out value);

    /// <summary><c>cuFuncSetAttribute</c>.</summary>
    public CudaStatus SetFunctionAttribute(ulong function, int attribute, int value) => Remote.SetFunctionAttribute(function, attribute, value);

    /// <summary><c>cuFuncSetCacheConfig</c>; <paramref name="config"/> is a <c>CUfunc_cache</c> value.</summary>
    public CudaStatus SetFunctionCacheConfig(ulong function, int config) => Remote.SetFunctionCacheConfig(function, config);

    /// <summary><c>cuOccupancyAvailableDynamicSMemPerBlock</c>.</summary>
    public CudaStatus GetAvailableDynamicSharedMemory(ulong function, int blocksPerMultiprocessor, int blockSize, out ulong bytes) =>
        Remote.GetAvailableDynamicSharedMemory(function, blocksPerMultiprocessor, blockSize, out bytes);

    /// <summary><c>cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags</c>.</summary>
    public CudaStatus GetMaxActiveBlocksPerMultiprocessor(ulong function, int blockSize, ulong dynamicSharedMemoryBytes, uint flags, out int blocks) =>
        Remote.GetMaxActiveBlocksPerMultiprocessor(function, blockSize, dynamicSharedMemoryBytes, flags, out blocks);

    /// <summary>The names of every kernel of <paramref name="module"/>, one per line.</summary>
    public CudaStatus ListFunctionNames(ulong module, out string names) => Remote.ListFunctionNames(module, out names);

    /// <summary><c>cuOccupancyMaxActiveClusters</c>: co-resident clusters of <paramref name="cluster"/> blocks (all
    /// zero: the function's compile-time cluster shape) for a launch of this geometry.</summary>
    public CudaStatus GetMaxActiveClusters(ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, Dim3 cluster, out int clusters) =>
        Remote.GetMaxActiveClusters(function, grid, block, sharedMemoryBytes, cluster, out clusters);

    /// <summary>
    /// Launches with an already packed parameter buffer (laid out by <see cref="GetParameterLayout"/>).
    /// Asynchronous: a launch failure surfaces at the next synchronizing call.
    /// </summary>
    public CudaStatus Launch(ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, ulong stream, ReadOnlySpan<byte> packedParameters)
    {
        if (!_layouts.TryGetValue(function, out var layout))
        {
            return CudaStatus.InvalidHandle;
        }
        // A caller's buffer (cuLaunchKernel's CU_LAUNCH_PARAM_BUFFER_POINTER) may be padded past
        // the last parameter; only the layout's bytes travel.
        var size = PackedSize(layout);
        if (packedParameters.Length < size)
        {
            return CudaStatus.InvalidValue;
        }
        return Remote.Launch(function, stream, grid, block, sharedMemoryBytes, packedParameters[..size]);
    }

    /// <summary>
    /// Launches with CUDA's <c>void** args</c>: one pointer per parameter, each read for the size
    /// the layout gives and packed (on the stack when small) before the record is appended.
    /// </summary>
    public unsafe CudaStatus Launch(ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, ulong stream, void** arguments)
    {
        if (!_layouts.TryGetValue(function, out var layout))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = PackedArguments.Pack(layout, arguments, stackalloc byte[PackedArguments.StackBytes], out var packed);
        using (packed)
        {
            return status != CudaStatus.Success ? status : Remote.Launch(function, stream, grid, block, sharedMemoryBytes, packed.Bytes);
        }
    }
}
