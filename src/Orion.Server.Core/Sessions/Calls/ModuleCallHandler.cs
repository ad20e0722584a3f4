using System.Buffers;
using System.Buffers.Binary;
using Orion.Cuda.Protocol.Calls;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>The modules area: images loaded into the current device's context, their functions and globals, and launches.</summary>
internal sealed class ModuleCallHandler(SessionObjects objects) : IModuleCalls
{
    public unsafe CudaStatus LoadModule(ulong moduleHandle, ulong imageBytes, IncomingData image)
    {
        // Checked before the image is buffered: a refused load costs no host memory (its data is dropped).
        var status = objects.WithContext(out var context) ?? objects.CheckNewHandle(moduleHandle)
            ?? SessionObjects.RefuseBeyondCount(objects.Tables.Counts().Modules, objects.Config.SessionLimits.MaxModules)
            ?? RefuseLargerImage(imageBytes);
        if (status is not null)
        {
            return status.Value;
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)imageBytes);
        try
        {
            fixed (byte* start = buffer)
            {
                while (image.Remaining > 0)
                {
                    image.ReceiveNext((nint)(start + image.Transferred));
                }
            }
            var loaded = context.LoadModule(buffer.AsSpan(0, (int)imageBytes), out var module);
            if (loaded == CudaStatus.Success)
            {
                objects.Tables.TryAddModule(moduleHandle, new SessionTables.ModuleEntry(objects.CurrentDevice, module));
                // Only an image the driver accepted is kept for others: the cache never serves garbage.
                objects.Config.ModuleCache?.Store(buffer.AsSpan(0, (int)imageBytes));
            }
            return loaded;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>An image over the session's <see cref="SessionLimits.MaxModuleImageBytes"/> is refused before it is buffered.</summary>
    private CudaStatus? RefuseLargerImage(ulong imageBytes) =>
        imageBytes > (ulong)objects.Config.SessionLimits.MaxModuleImageBytes ? CudaStatus.OutOfMemory : null;

    public CudaStatus LoadCachedModule(ulong moduleHandle, ulong imageBytes, ulong sha256Word0, ulong sha256Word1, ulong sha256Word2, ulong sha256Word3)
    {
        if (objects.Config.ModuleCache is not { } cache)
        {
            return CudaStatus.NotSupported;
        }
        var status = objects.WithContext(out var context) ?? objects.CheckNewHandle(moduleHandle)
            ?? SessionObjects.RefuseBeyondCount(objects.Tables.Counts().Modules, objects.Config.SessionLimits.MaxModules)
            ?? RefuseLargerImage(imageBytes);
        if (status is not null)
        {
            return status.Value;
        }
        Span<byte> sha256 = stackalloc byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(sha256, sha256Word0);
        BinaryPrimitives.WriteUInt64LittleEndian(sha256[8..], sha256Word1);
        BinaryPrimitives.WriteUInt64LittleEndian(sha256[16..], sha256Word2);
        BinaryPrimitives.WriteUInt64LittleEndian(sha256[24..], sha256Word3);
        if (cache.TryLoad(sha256, imageBytes) is not { } image)
        {
            return CudaStatus.NotFound;
        }
        var loaded = context.LoadModule(image, out var module);
        if (loaded == CudaStatus.Success)
        {
            objects.Tables.TryAddModule(moduleHandle, new SessionTables.ModuleEntry(objects.CurrentDevice, module));
        }
        return loaded;
    }

    public CudaStatus UnloadModule(ulong moduleHandle)
    {
        if (!objects.Tables.TryGetModule(moduleHandle, out var module))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = objects.ContextOf(module.Device).UnloadModule(module.Module);
        objects.Tables.RemoveModule(moduleHandle);
        return status;
    }

    public CudaStatus GetFunction(ulong moduleHandle, ulong functionHandle, string name, out KernelParameterInfo[] parameters)
    {
        parameters = [];
        if (objects.CheckNewHandle(functionHandle) is { } badHandle)
        {
            return badHandle;
        }
        if (!objects.Tables.TryGetModule(moduleHandle, out var module))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = objects.ContextOf(module.Device).GetFunction(module.Module, name, out var function, out var layout);
        if (status != CudaStatus.Success)
        {
            return status;
        }
        if (layout.Length > ProtocolLimits.MaxKernelParameters)
        {
            return CudaStatus.NotSupported;
        }
        var parameterBytes = 0;
        foreach (var parameter in layout)
        {
            parameterBytes = (int)Math.Max(parameterBytes, parameter.Offset + parameter.Size);
        }
        parameters = layout;
        objects.Tables.TryAddFunction(functionHandle, new SessionTables.FunctionEntry(module.Device, moduleHandle, function, parameterBytes));
        return CudaStatus.Success;
    }

    public CudaStatus GetGlobal(ulong moduleHandle, string name, out ulong address, out ulong bytes)
    {
        address = 0;
        bytes = 0;
        if (!objects.Tables.TryGetModule(moduleHandle, out var module))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = objects.ContextOf(module.Device).GetGlobal(module.Module, name, out address, out bytes);
        if (status == CudaStatus.Success)
        {
            objects.Tables.AddAllocation(address, bytes, module.Device, ownerModule: moduleHandle);
        }
        return status;
    }

    public CudaStatus GetFunctionAttribute(ulong functionHandle, int attribute, out int value)
    {
        value = 0;
        return objects.Tables.TryGetFunction(functionHandle, out var function)
            ? objects.ContextOf(function.Device).GetFunctionAttribute(function.Function, (FunctionAttributeId)attribute, out value)
            : CudaStatus.InvalidHandle;
    }

    public CudaStatus SetFunctionAttribute(ulong functionHandle, int attribute, int value) =>
        objects.Tables.TryGetFunction(functionHandle, out var function)
            ? objects.ContextOf(function.Device).SetFunctionAttribute(function.Function, (FunctionAttributeId)attribute, value)
            : CudaStatus.InvalidHandle;

    public CudaStatus SetFunctionCacheConfig(ulong functionHandle, int config) =>
        objects.Tables.TryGetFunction(functionHandle, out var function)
            ? objects.ContextOf(function.Device).SetFunctionCacheConfig(function.Function, (FunctionCacheConfig)config)
            : CudaStatus.InvalidHandle;

    public CudaStatus GetMaxActiveBlocksPerMultiprocessor(ulong functionHandle, int blockSize, ulong dynamicSharedMemoryBytes, uint flags, out int blocks)
    {
        blocks = 0;
        return objects.Tables.TryGetFunction(functionHandle, out var function)
            ? objects.ContextOf(function.Device).GetMaxActiveBlocksPerMultiprocessor(function.Function, blockSize, dynamicSharedMemoryBytes, flags, out blocks)
            : CudaStatus.InvalidHandle;
    }

    public CudaStatus GetAvailableDynamicSharedMemory(ulong functionHandle, int blocksPerMultiprocessor, int blockSize, out ulong bytes)
    {
        bytes = 0;
        return objects.Tables.TryGetFunction(functionHandle, out var function)
            ? objects.ContextOf(function.Device).GetAvailableDynamicSharedMemory(function.Function, blocksPerMultiprocessor, blockSize, out bytes)
            : CudaStatus.InvalidHandle;
    }

    public CudaStatus ListFunctionNames(ulong moduleHandle, out string names)
    {
        names = string.Empty;
        if (!objects.Tables.TryGetModule(moduleHandle, out var module))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = objects.ContextOf(module.Device).ListFunctionNames(module.Module, out var list);
        if (status != CudaStatus.Success)
        {
            return status;
        }
        names = string.Join('\n', list);
        // A list past the wire's limit cannot be answered whole; no module seen so far comes near it.
        return System.Text.Encoding.UTF8.GetByteCount(names) > ProtocolLimits.MaxFunctionNameListBytes ? CudaStatus.NotSupported : CudaStatus.Success;
    }

    public CudaStatus GetMaxActiveClusters(ulong functionHandle, Dim3 grid, Dim3 block, uint sharedMemoryBytes, Dim3 cluster, out int clusters)
    {
        clusters = 0;
        return objects.Tables.TryGetFunction(functionHandle, out var function)
            ? objects.ContextOf(function.Device).GetMaxActiveClusters(function.Function, new LaunchConfiguration(grid, block, sharedMemoryBytes), cluster, out clusters)
            : CudaStatus.InvalidHandle;
    }

    public CudaStatus Launch(ulong functionHandle, ulong stream, Dim3 grid, Dim3 block, uint sharedMemoryBytes, ReadOnlySpan<byte> parameters)
    {
        if (!objects.Tables.TryGetFunction(functionHandle, out var function))
        {
            return CudaStatus.InvalidHandle;
        }
        if (parameters.Length != function.ParameterBytes)
        {
            return CudaStatus.InvalidValue;
        }
        return objects.ResolveStream(stream, function.Device, out var gpuStream)
            ?? objects.ContextOf(function.Device).Launch(function.Function, new LaunchConfiguration(grid, block, sharedMemoryBytes), gpuStream, parameters);
    }
}
