using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// One context on the emulated device. Work is done at once on the calling thread, so every stream
/// is always idle; what CUDA would report later (a fault in a kernel) latches as a sticky error that
/// every later call returns, as a real context does after an illegal address.
/// </summary>
internal sealed unsafe partial class EmulatedContext : IGpuContext
{
    private const uint EventDisableTiming = 0x2;
    private readonly EmulatedDevice _device;
    private readonly EmulatedKernelRegistry _kernels;
    private readonly Action _onDisposed;
    private readonly List<EmulatedAllocation> _allocations = []; // sorted by Base
    private readonly Dictionary<nint, ulong> _hostAllocations = [];
    private readonly Dictionary<nint, EmulatedModule> _modules = [];
    private readonly Dictionary<nint, EmulatedFunction> _functions = [];
    private readonly HashSet<nint> _streams = [];
    private readonly Dictionary<nint, EmulatedEvent> _events = [];
    private readonly Dictionary<ContextLimit, ulong> _limits = new()
    {
        [ContextLimit.StackSize] = 1024,
        [ContextLimit.PrintfFifoSize] = 1024 * 1024,
        [ContextLimit.MallocHeapSize] = 8 * 1024 * 1024,
    };
    private nint _nextHandle = 1;
    private CudaStatus _sticky;
    private bool _disposed;

    public EmulatedContext(EmulatedDevice device, EmulatedKernelRegistry kernels, Action onDisposed)
    {
        _device = device;
        _kernels = kernels;
        _onDisposed = onDisposed;
    }

    public int Device => _device.Ordinal;

    /// <summary>Live device allocations; tests read it to see cleanup.</summary>
    public int AllocationCount => _allocations.Count;

    private CudaStatus Check() => _disposed ? CudaStatus.ContextIsDestroyed : _sticky;

    public CudaStatus Synchronize() => Check();

    public CudaStatus GetMemoryInfo(out ulong freeBytes, out ulong totalBytes)
    {
        totalBytes = _device.TotalBytes;
        freeBytes = totalBytes - _device.UsedBytes;
        return Check();
    }

    public CudaStatus GetLimit(ContextLimit limit, out ulong value)
    {
        value = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        return _limits.TryGetValue(limit, out value) ? CudaStatus.Success : CudaStatus.UnsupportedLimit;
    }

    public CudaStatus SetLimit(ContextLimit limit, ulong value)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_limits.ContainsKey(limit))
        {
            return CudaStatus.UnsupportedLimit;
        }
        _limits[limit] = value;
        return CudaStatus.Success;
    }

    // ---- memory ----

    public CudaStatus Allocate(ulong bytes, out ulong address)
    {
        address = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (bytes == 0)
        {
            return CudaStatus.InvalidValue;
        }
        if (bytes > (ulong)Array.MaxLength || !_device.TryReserve(bytes, out address))
        {
            return CudaStatus.OutOfMemory;
        }
        _allocations.Add(new EmulatedAllocation(address, new byte[bytes]));
        return CudaStatus.Success;
    }

    public CudaStatus AllocatePitch(ulong widthBytes, ulong height, uint elementSizeBytes, out ulong address, out ulong pitch)
    {
        address = 0;
        pitch = 0;
        if (elementSizeBytes is not (4 or 8 or 16) || widthBytes == 0 || height == 0)
        {
            return Check() is not CudaStatus.Success and var failed ? failed : CudaStatus.InvalidValue;
        }
        const ulong PitchAlignment = 512;
        pitch = (widthBytes + PitchAlignment - 1) / PitchAlignment * PitchAlignment;
        if (height > ulong.MaxValue / pitch)
        {
            return CudaStatus.OutOfMemory;
        }
        return Allocate(pitch * height, out address);
    }

    public CudaStatus Free(ulong address)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (address == 0)
        {
            return CudaStatus.Success;
        }
        // Memory of a pool goes back to its pool (EmulatedContext.MemoryPools.cs), not to the device.
        return TryReturnToPool(address) ? CudaStatus.Success : Release(address);
    }

    /// <summary>Gives an allocation's memory back to the device.</summary>
    private CudaStatus Release(ulong address)
    {
        var index = FindAllocation(address);
        if (index < 0 || _allocations[index].Base != address)
        {
            return CudaStatus.InvalidValue;
        }
        _device.Release((ulong)_allocations[index].Data.LongLength);
        _allocations.RemoveAt(index);
        return CudaStatus.Success;
    }

    /// <summary>From the context's own default pool, as every session's <c>cuMemAllocAsync</c> is.</summary>
    public CudaStatus AllocateAsync(ulong bytes, GpuStreamHandle stream, out ulong address)
    {
        address = 0;
        if (!ValidStream(stream))
        {
            return CudaStatus.InvalidHandle;
        }
        if (Capturing(stream))
        {
            return RefuseCapture(stream);
        }
        var status = GetDefaultMemoryPool(out var pool);
        return status != CudaStatus.Success ? status : AllocateFromPoolAsync(bytes, pool, stream, out address);
    }

    public CudaStatus FreeAsync(ulong address, GpuStreamHandle stream) =>
        !ValidStream(stream) ? CudaStatus.InvalidHandle : Capturing(stream) ? RefuseCapture(stream) : Free(address);

    public CudaStatus GetAddressRange(ulong address, out ulong baseAddress, out ulong size)
    {
        baseAddress = 0;
        size = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        var index = FindAllocation(address);
        if (index < 0)
        {
            return CudaStatus.NotFound;
        }
        baseAddress = _allocations[index].Base;
        size = (ulong)_allocations[index].Data.LongLength;
        return CudaStatus.Success;
    }

    public CudaStatus AllocateHost(ulong bytes, out nint hostPointer)
    {
        hostPointer = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (bytes == 0 || bytes > int.MaxValue)
        {
            return bytes == 0 ? CudaStatus.InvalidValue : CudaStatus.OutOfMemory;
        }
        hostPointer = (nint)NativeMemory.AlignedAlloc((nuint)bytes, 4096);
        _hostAllocations.Add(hostPointer, bytes);
        return CudaStatus.Success;
    }

    public CudaStatus FreeHost(nint hostPointer)
    {
        if (!_hostAllocations.Remove(hostPointer))
        {
            return CudaStatus.InvalidValue;
        }
        NativeMemory.AlignedFree((void*)hostPointer);
        return Check();
    }

    // ---- copies ----

    public CudaStatus CopyHostToDevice(ulong destination, nint source, ulong bytes)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (bytes == 0)
        {
            return CudaStatus.Success;
        }
        if (!TryGetDeviceSpan(destination, bytes, out var target))
        {
            return CudaStatus.InvalidValue;
        }
        new ReadOnlySpan<byte>((void*)source, target.Length).CopyTo(target);
        return CudaStatus.Success;
    }

    public CudaStatus CopyHostToDeviceAsync(ulong destination, nint source, ulong bytes, GpuStreamHandle stream) =>
        !ValidStream(stream) ? CudaStatus.InvalidHandle : Capturing(stream) ? RefuseCapture(stream)
        : Observed(new(EmulatedOperationKind.CopyToDeviceQueued, source, destination, bytes, 0), CopyHostToDevice(destination, source, bytes));

    /// <summary>Tells the device's observer of an operation (<see cref="EmulatedDeviceOptions.Observer"/>); returns <paramref name="status"/>.</summary>
    private CudaStatus Observed(EmulatedOperation operation, CudaStatus status)
    {
        _device.Observer?.Invoke(operation);
        return status;
    }

    public CudaStatus CopyDeviceToHost(nint destination, ulong source, ulong bytes)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (bytes == 0)
        {
            return CudaStatus.Success;
        }
        if (!TryGetDeviceSpan(source, bytes, out var from))
        {
            return CudaStatus.InvalidValue;
        }
        from.CopyTo(new Span<byte>((void*)destination, from.Length));
        return CudaStatus.Success;
    }

    public CudaStatus CopyDeviceToHostAsync(nint destination, ulong source, ulong bytes, GpuStreamHandle stream) =>
        !ValidStream(stream) ? CudaStatus.InvalidHandle : Capturing(stream) ? RefuseCapture(stream)
        : Observed(new(EmulatedOperationKind.CopyFromDeviceQueued, destination, source, bytes, 0), CopyDeviceToHost(destination, source, bytes));

    public CudaStatus CopyDeviceToDevice(ulong destination, ulong source, ulong bytes)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (bytes == 0)
        {
            return CudaStatus.Success;
        }
        if (!TryGetDeviceSpan(source, bytes, out var from) || !TryGetDeviceSpan(destination, bytes, out var to))
        {
            return CudaStatus.InvalidValue;
        }
        from.CopyTo(to); // Span.CopyTo handles overlap like memmove.
        return CudaStatus.Success;
    }

    public CudaStatus CopyDeviceToDeviceAsync(ulong destination, ulong source, ulong bytes, GpuStreamHandle stream) =>
        !ValidStream(stream) ? CudaStatus.InvalidHandle
        : Capturing(stream) ? (bytes == 0 ? Check() : CaptureCopy(stream, new MemoryCopy2D(MemoryLocation.Device, source, bytes, MemoryLocation.Device, destination, bytes, bytes, 1)))
        : CopyDeviceToDevice(destination, source, bytes);

    public CudaStatus Copy2D(in MemoryCopy2D copy)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (copy.WidthBytes > copy.SourcePitch || copy.WidthBytes > copy.DestinationPitch)
        {
            return CudaStatus.InvalidValue;
        }
        if (copy.WidthBytes == 0 || copy.Height == 0)
        {
            return CudaStatus.Success;
        }
        // Validate both whole pitched ranges first, so that a bad copy changes nothing.
        var sourceExtent = ((copy.Height - 1) * copy.SourcePitch) + copy.WidthBytes;
        var destinationExtent = ((copy.Height - 1) * copy.DestinationPitch) + copy.WidthBytes;
        if ((copy.SourceLocation == MemoryLocation.Device && !TryGetDeviceSpan(copy.Source, sourceExtent, out _))
            || (copy.DestinationLocation == MemoryLocation.Device && !TryGetDeviceSpan(copy.Destination, destinationExtent, out _)))
        {
            return CudaStatus.InvalidValue;
        }
        for (ulong row = 0; row < copy.Height; row++)
        {
            var from = Resolve(copy.SourceLocation, copy.Source + (row * copy.SourcePitch), copy.WidthBytes);
            var to = Resolve(copy.DestinationLocation, copy.Destination + (row * copy.DestinationPitch), copy.WidthBytes);
            from.CopyTo(to);
        }
        return CudaStatus.Success;
    }

    public CudaStatus Copy2DAsync(in MemoryCopy2D copy, GpuStreamHandle stream) =>
        !ValidStream(stream) ? CudaStatus.InvalidHandle
        : Capturing(stream) ? (copy.WidthBytes == 0 || copy.Height == 0 ? Check() : CaptureCopy(stream, copy))
        : copy.SourceLocation == MemoryLocation.Host && copy.DestinationLocation == MemoryLocation.Device
            ? Observed(new(EmulatedOperationKind.CopyToDeviceQueued, (nint)copy.Source, copy.Destination, copy.WidthBytes * copy.Height, 0), Copy2D(copy))
        : copy.SourceLocation == MemoryLocation.Device && copy.DestinationLocation == MemoryLocation.Host
            ? Observed(new(EmulatedOperationKind.CopyFromDeviceQueued, (nint)copy.Destination, copy.Source, copy.WidthBytes * copy.Height, 0), Copy2D(copy))
        : Copy2D(copy);

    public CudaStatus CopyPeer(ulong destination, IGpuContext destinationContext, ulong source, ulong bytes)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (destinationContext is not EmulatedContext peer)
        {
            return CudaStatus.InvalidContext;
        }
        if (bytes == 0)
        {
            return CudaStatus.Success;
        }
        if (!TryGetDeviceSpan(source, bytes, out var from) || !peer.TryGetDeviceSpan(destination, bytes, out var to))
        {
            return CudaStatus.InvalidValue;
        }
        from.CopyTo(to);
        return CudaStatus.Success;
    }

    public CudaStatus CopyPeerAsync(ulong destination, IGpuContext destinationContext, ulong source, ulong bytes, GpuStreamHandle stream) =>
        !ValidStream(stream) ? CudaStatus.InvalidHandle : Capturing(stream) ? RefuseCapture(stream) : CopyPeer(destination, destinationContext, source, bytes);

    // ---- memset ----

    public CudaStatus Memset(ulong destination, uint value, MemsetElementSize elementSize, ulong count) =>
        Memset2D(destination, count * (ulong)elementSize, value, elementSize, count, 1);

    public CudaStatus MemsetAsync(ulong destination, uint value, MemsetElementSize elementSize, ulong count, GpuStreamHandle stream) =>
        !ValidStream(stream) ? CudaStatus.InvalidHandle
        : Capturing(stream) ? (count == 0 ? Check() : CaptureMemset(stream, destination, count * (ulong)elementSize, value, elementSize, count, 1))
        : Memset(destination, value, elementSize, count);

    public CudaStatus Memset2D(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize, ulong widthElements, ulong height)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (elementSize is not (MemsetElementSize.Bits8 or MemsetElementSize.Bits16 or MemsetElementSize.Bits32)
            || destination % (ulong)elementSize != 0)
        {
            return CudaStatus.InvalidValue;
        }
        var rowBytes = widthElements * (ulong)elementSize;
        if (rowBytes == 0 || height == 0)
        {
            return CudaStatus.Success;
        }
        if (rowBytes > pitch || !TryGetDeviceSpan(destination, ((height - 1) * pitch) + rowBytes, out _))
        {
            return CudaStatus.InvalidValue;
        }
        for (ulong row = 0; row < height; row++)
        {
            TryGetDeviceSpan(destination + (row * pitch), rowBytes, out var span);
            switch (elementSize)
            {
                case MemsetElementSize.Bits8:
                    span.Fill((byte)value);
                    break;
                case MemsetElementSize.Bits16:
                    MemoryMarshal.Cast<byte, ushort>(span).Fill((ushort)value);
                    break;
                default:
                    MemoryMarshal.Cast<byte, uint>(span).Fill(value);
                    break;
            }
        }
        return CudaStatus.Success;
    }

    public CudaStatus Memset2DAsync(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize, ulong widthElements, ulong height, GpuStreamHandle stream) =>
        !ValidStream(stream) ? CudaStatus.InvalidHandle
        : Capturing(stream) ? (widthElements == 0 || height == 0 ? Check() : CaptureMemset(stream, destination, pitch, value, elementSize, widthElements, height))
        : Memset2D(destination, pitch, value, elementSize, widthElements, height);

    // ---- modules and functions ----

    public CudaStatus LoadModule(ReadOnlySpan<byte> image, out GpuModuleHandle gpuModule)
    {
        gpuModule = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (image.IsEmpty)
        {
            return CudaStatus.InvalidImage;
        }
        var globals = new Dictionary<string, (ulong Address, ulong Bytes)>(StringComparer.Ordinal);
        foreach (var (name, bytes) in _kernels.Globals)
        {
            if (Allocate(bytes, out var address) != CudaStatus.Success)
            {
                foreach (var allocated in globals.Values)
                {
                    Free(allocated.Address);
                }
                return CudaStatus.OutOfMemory;
            }
            globals[name] = (address, bytes);
        }
        var handle = _nextHandle++;
        _modules[handle] = new EmulatedModule(globals);
        gpuModule = new GpuModuleHandle(handle);
        return CudaStatus.Success;
    }

    public CudaStatus UnloadModule(GpuModuleHandle gpuModule)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_modules.Remove(gpuModule.Value, out var loaded))
        {
            return CudaStatus.InvalidHandle;
        }
        foreach (var global in loaded.Globals.Values)
        {
            Free(global.Address);
        }
        foreach (var (handle, function) in _functions.ToArray())
        {
            if (function.Module == gpuModule.Value)
            {
                _functions.Remove(handle);
            }
        }
        return CudaStatus.Success;
    }

    public CudaStatus GetFunction(GpuModuleHandle gpuModule, string name, out GpuFunctionHandle kernel, out KernelParameterInfo[] parameters)
    {
        kernel = default;
        parameters = [];
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_modules.ContainsKey(gpuModule.Value))
        {
            return CudaStatus.InvalidHandle;
        }
        if (!_kernels.TryGetKernel(name, out var definition))
        {
            return CudaStatus.NotFound;
        }
        var handle = _nextHandle++;
        _functions[handle] = new EmulatedFunction(gpuModule.Value, definition);
        kernel = new GpuFunctionHandle(handle);
        parameters = (KernelParameterInfo[])definition.Layout.Clone();
        return CudaStatus.Success;
    }

    public CudaStatus GetGlobal(GpuModuleHandle gpuModule, string name, out ulong address, out ulong bytes)
    {
        address = 0;
        bytes = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_modules.TryGetValue(gpuModule.Value, out var loaded))
        {
            return CudaStatus.InvalidHandle;
        }
        if (!loaded.Globals.TryGetValue(name, out var global))
        {
            return CudaStatus.NotFound;
        }
        (address, bytes) = global;
        return CudaStatus.Success;
    }

    public CudaStatus GetFunctionAttribute(GpuFunctionHandle kernel, FunctionAttributeId attribute, out int value)
    {
        value = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_functions.TryGetValue(kernel.Value, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (entry.Attributes.TryGetValue(attribute, out value))
        {
            return CudaStatus.Success;
        }
        value = attribute switch
        {
            FunctionAttributeId.MaxThreadsPerBlock => 1024,
            FunctionAttributeId.NumRegisters => 16,
            FunctionAttributeId.PtxVersion or FunctionAttributeId.BinaryVersion => 90,
            FunctionAttributeId.MaxDynamicSharedSizeBytes => 48 * 1024,
            FunctionAttributeId.PreferredSharedMemoryCarveout => -1,
            _ => 0,
        };
        return attribute is >= FunctionAttributeId.MaxThreadsPerBlock and <= FunctionAttributeId.ClusterSchedulingPolicyPreference
            ? CudaStatus.Success
            : CudaStatus.InvalidValue;
    }

    public CudaStatus SetFunctionAttribute(GpuFunctionHandle kernel, FunctionAttributeId attribute, int value)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_functions.TryGetValue(kernel.Value, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (attribute is not (FunctionAttributeId.MaxDynamicSharedSizeBytes or FunctionAttributeId.PreferredSharedMemoryCarveout))
        {
            return CudaStatus.InvalidValue;
        }
        entry.Attributes[attribute] = value;
        return CudaStatus.Success;
    }

    public CudaStatus SetFunctionCacheConfig(GpuFunctionHandle kernel, FunctionCacheConfig config)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        return !_functions.ContainsKey(kernel.Value) ? CudaStatus.InvalidHandle
            : config is < FunctionCacheConfig.PreferNone or > FunctionCacheConfig.PreferEqual ? CudaStatus.InvalidValue
            : CudaStatus.Success;
    }

    public CudaStatus GetAvailableDynamicSharedMemory(GpuFunctionHandle kernel, int blocksPerMultiprocessor, int blockSize, out ulong bytes)
    {
        bytes = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_functions.ContainsKey(kernel.Value))
        {
            return CudaStatus.InvalidHandle;
        }
        if (blockSize is <= 0 or > 1024 || blocksPerMultiprocessor <= 0)
        {
            return CudaStatus.InvalidValue;
        }
        // The emulated multiprocessor's 228 KiB of shared memory, split between the blocks, up to
        // the 227 KiB one block may opt in to; no room at all once the threads do not fit.
        bytes = (ulong)blockSize * (ulong)blocksPerMultiprocessor > 2048 ? 0 : Math.Min(228UL * 1024 / (ulong)blocksPerMultiprocessor, 227UL * 1024);
        return CudaStatus.Success;
    }

    public CudaStatus GetMaxActiveBlocksPerMultiprocessor(GpuFunctionHandle kernel, int blockSize, ulong dynamicSharedMemoryBytes, uint flags, out int blocks)
    {
        blocks = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_functions.ContainsKey(kernel.Value))
        {
            return CudaStatus.InvalidHandle;
        }
        if (blockSize is <= 0 or > 1024)
        {
            return CudaStatus.InvalidValue;
        }
        // The emulated multiprocessor holds 2048 threads and 228 KiB of shared memory.
        var byThreads = 2048 / blockSize;
        var byShared = dynamicSharedMemoryBytes == 0 ? int.MaxValue : (int)Math.Min(int.MaxValue, 228UL * 1024 / dynamicSharedMemoryBytes);
        blocks = Math.Min(Math.Min(byThreads, byShared), 32);
        return CudaStatus.Success;
    }

    public CudaStatus ListFunctionNames(GpuModuleHandle gpuModule, out IReadOnlyList<string> names)
    {
        names = [];
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_modules.ContainsKey(gpuModule.Value))
        {
            return CudaStatus.InvalidHandle;
        }
        names = _kernels.KernelNames; // every emulated module holds every registered kernel
        return CudaStatus.Success;
    }

    public CudaStatus GetMaxActiveClusters(GpuFunctionHandle kernel, in LaunchConfiguration configuration, Dim3 cluster, out int clusters)
    {
        clusters = 0;
        var status = GetMaxActiveBlocksPerMultiprocessor(kernel, (int)Math.Min(configuration.Block.Volume, int.MaxValue), configuration.SharedMemoryBytes, 0,
            out var perMultiprocessor);
        if (status != CudaStatus.Success)
        {
            return status;
        }
        // Emulated functions have no compile-time cluster shape, so the caller must give one; as on
        // Hopper, a portable cluster holds at most 8 blocks and the grid is a whole number of clusters.
        var grid = configuration.Grid;
        if (cluster.Volume is 0 or > 8 || grid.X % cluster.X != 0 || grid.Y % cluster.Y != 0 || grid.Z % cluster.Z != 0)
        {
            return CudaStatus.InvalidValue;
        }
        clusters = (int)((ulong)EmulatedDeviceAttributes.MultiprocessorCount * (ulong)perMultiprocessor / cluster.Volume);
        return CudaStatus.Success;
    }

    public CudaStatus Launch(GpuFunctionHandle kernel, in LaunchConfiguration configuration, GpuStreamHandle stream, ReadOnlySpan<byte> parameters) =>
        Run(kernel, configuration, stream, parameters, cooperative: false);

    /// <summary>Runs a launch; a cooperative one has passed its residency check (EmulatedContext.CooperativeLaunch.cs).</summary>
    private CudaStatus Run(GpuFunctionHandle kernel, in LaunchConfiguration configuration, GpuStreamHandle stream, ReadOnlySpan<byte> parameters, bool cooperative)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_functions.TryGetValue(kernel.Value, out var entry) || !ValidStream(stream))
        {
            return CudaStatus.InvalidHandle;
        }
        if (InvalidGeometry(configuration))
        {
            return CudaStatus.InvalidValue;
        }
        var layout = entry.Definition.Layout;
        var required = layout.Length == 0 ? 0 : layout[^1].Offset + layout[^1].Size;
        if ((uint)parameters.Length < required)
        {
            return CudaStatus.InvalidValue;
        }
        if (Capturing(stream))
        {
            return CaptureKernel(stream, kernel, configuration, parameters);
        }
        try
        {
            entry.Definition.Body(new EmulatedLaunch(this, configuration, layout, parameters.ToArray(), cooperative));
        }
        catch (EmulatedFaultException fault)
        {
            // As on a GPU the launch itself succeeded; the fault shows at the next call and sticks.
            _sticky = fault.Status;
        }
#pragma warning disable CA1031 // A test kernel's bug must not take the server down; it becomes a launch failure.
        catch (Exception)
        {
            _sticky = CudaStatus.LaunchFailed;
        }
#pragma warning restore CA1031
        return CudaStatus.Success;
    }

    // ---- streams ----

    public CudaStatus CreateStream(uint flags, int priority, out GpuStreamHandle stream)
    {
        stream = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (flags > 1)
        {
            return CudaStatus.InvalidValue;
        }
        var handle = _nextHandle++;
        _streams.Add(handle);
        stream = new GpuStreamHandle(handle);
        return CudaStatus.Success;
    }

    public CudaStatus DestroyStream(GpuStreamHandle stream)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        LeaveCapture(stream);
        return _streams.Remove(stream.Value) ? CudaStatus.Success : CudaStatus.InvalidHandle;
    }

    public CudaStatus SynchronizeStream(GpuStreamHandle stream) =>
        Observed(new(EmulatedOperationKind.StreamWaited, 0, 0, 0, stream.Value), QueryStream(stream));

    public CudaStatus QueryStream(GpuStreamHandle stream) =>
        Check() is not CudaStatus.Success and var failed ? failed
        : !ValidStream(stream) ? CudaStatus.InvalidHandle
        : Capturing(stream) ? RefuseCapture(stream) : CudaStatus.Success;

    public CudaStatus StreamWaitEvent(GpuStreamHandle stream, GpuEventHandle gpuEvent, uint flags) =>
        Check() is not CudaStatus.Success and var failed ? failed
        : ValidStream(stream) && _events.ContainsKey(gpuEvent.Value) ? CaptureEventWait(stream, gpuEvent) : CudaStatus.InvalidHandle;

    public CudaStatus GetStreamPriorityRange(out int leastPriority, out int greatestPriority)
    {
        leastPriority = 0;
        greatestPriority = -5;
        return Check();
    }

    public CudaStatus LaunchHostFunction(GpuStreamHandle stream, Action<ulong> callback, ulong marker)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!ValidStream(stream))
        {
            return CudaStatus.InvalidHandle;
        }
        if (Capturing(stream))
        {
            return RefuseCapture(stream);
        }
        // Everything before it on the stream has already run, so the marker is reached now; calling
        // back before returning keeps it ordered before any later synchronize.
        callback(marker);
        return CudaStatus.Success;
    }

    // ---- events ----

    public CudaStatus CreateEvent(uint flags, out GpuEventHandle gpuEvent)
    {
        gpuEvent = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (flags > 0xF)
        {
            return CudaStatus.InvalidValue;
        }
        var handle = _nextHandle++;
        _events[handle] = new EmulatedEvent(flags);
        gpuEvent = new GpuEventHandle(handle);
        return CudaStatus.Success;
    }

    public CudaStatus DestroyEvent(GpuEventHandle gpuEvent) =>
        Check() is not CudaStatus.Success and var failed ? failed
        : _events.Remove(gpuEvent.Value) ? CudaStatus.Success : CudaStatus.InvalidHandle;

    public CudaStatus RecordEvent(GpuEventHandle gpuEvent, GpuStreamHandle stream, uint flags)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_events.TryGetValue(gpuEvent.Value, out var entry) || !ValidStream(stream))
        {
            return CudaStatus.InvalidHandle;
        }
        entry.RecordedAt = Stopwatch.GetTimestamp();
        NoteEventRecord(gpuEvent, stream);
        return Observed(new(EmulatedOperationKind.EventRecorded, 0, 0, 0, gpuEvent.Value), CudaStatus.Success);
    }

    public CudaStatus SynchronizeEvent(GpuEventHandle gpuEvent) =>
        Observed(new(EmulatedOperationKind.EventWaited, 0, 0, 0, gpuEvent.Value), QueryEvent(gpuEvent));

    public CudaStatus QueryEvent(GpuEventHandle gpuEvent) =>
        Check() is not CudaStatus.Success and var failed ? failed
        : _events.ContainsKey(gpuEvent.Value) ? CudaStatus.Success : CudaStatus.InvalidHandle;

    public CudaStatus GetEventElapsedTime(GpuEventHandle startEvent, GpuEventHandle endEvent, out float milliseconds)
    {
        milliseconds = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_events.TryGetValue(startEvent.Value, out var first) || !_events.TryGetValue(endEvent.Value, out var second))
        {
            return CudaStatus.InvalidHandle;
        }
        if ((first.Flags & EventDisableTiming) != 0 || (second.Flags & EventDisableTiming) != 0
            || first.RecordedAt == 0 || second.RecordedAt == 0)
        {
            return CudaStatus.InvalidHandle;
        }
        milliseconds = (float)Stopwatch.GetElapsedTime(first.RecordedAt, second.RecordedAt).TotalMilliseconds;
        return CudaStatus.Success;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var allocation in _allocations)
        {
            _device.Release((ulong)allocation.Data.LongLength);
        }
        _allocations.Clear();
        foreach (var host in _hostAllocations.Keys)
        {
            NativeMemory.AlignedFree((void*)host);
        }
        _hostAllocations.Clear();
        ForgetMemoryPools(); // their memory was in _allocations, released above
        ReleaseVirtualMemory();
        _modules.Clear();
        _functions.Clear();
        _streams.Clear();
        _events.Clear();
        DisposeGraphs();
        DisposeArrays();
        _onDisposed();
    }

    // ---- helpers ----

    private bool ValidStream(GpuStreamHandle stream) => stream.IsNull || _streams.Contains(stream.Value);

    /// <summary>The allocation whose range holds <paramref name="address"/>, or -1.</summary>
    private int FindAllocation(ulong address)
    {
        int low = 0, high = _allocations.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var candidate = _allocations[middle];
            if (address < candidate.Base)
            {
                high = middle - 1;
            }
            else if (address - candidate.Base >= (ulong)candidate.Data.LongLength)
            {
                low = middle + 1;
            }
            else
            {
                return middle;
            }
        }
        return -1;
    }

    /// <summary>The bytes [address, address+bytes) when they lie inside one allocation, or in mapped memory (EmulatedContext.VirtualMemory.cs).</summary>
    internal bool TryGetDeviceSpan(ulong address, ulong bytes, out Span<byte> span)
    {
        span = default;
        var index = FindAllocation(address);
        if (index < 0)
        {
            return _reservations.Count != 0 && TryGetMappedSpan(address, bytes, out span);
        }
        var allocation = _allocations[index];
        var offset = address - allocation.Base;
        if (bytes > (ulong)allocation.Data.LongLength - offset)
        {
            return false;
        }
        span = allocation.Data.AsSpan((int)offset, (int)bytes);
        return true;
    }

    private Span<byte> Resolve(MemoryLocation location, ulong address, ulong bytes)
    {
        if (location == MemoryLocation.Host)
        {
            return new Span<byte>((void*)(nint)address, checked((int)bytes));
        }
        TryGetDeviceSpan(address, bytes, out var span);
        return span;
    }

    private sealed record EmulatedAllocation(ulong Base, byte[] Data);

    private sealed record EmulatedModule(Dictionary<string, (ulong Address, ulong Bytes)> Globals);

    private sealed record EmulatedFunction(nint Module, EmulatedKernelDefinition Definition)
    {
        public Dictionary<FunctionAttributeId, int> Attributes { get; } = [];
    }

    private sealed class EmulatedEvent(uint flags)
    {
        public uint Flags { get; } = flags;

        public long RecordedAt { get; set; }
    }
}
