using System.Runtime.InteropServices;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// One session's own CUDA context (<c>cuCtxCreate</c>). Every call first makes the context current
/// on the calling thread — a thread-local comparison, so on the session's executor thread it costs
/// one read — and then makes exactly one driver call. Nothing here allocates per call except module
/// loads and function lookups, which are rare; launches pin the caller's packed parameters in place.
/// Disposing destroys the context, and with it every allocation, module, stream and event in it.
/// </summary>
internal sealed unsafe partial class CudaDriverContext : IGpuContext
{
    // cuLaunchKernel "extra" keys.
    private static readonly void* LaunchParamBufferPointer = (void*)1;
    private static readonly void* LaunchParamBufferSize = (void*)2;

    /// <summary>
    /// The context this thread last made current. An object, not the raw CUcontext: the driver may
    /// hand a destroyed context's address to a new one, and a stale match would skip the switch.
    /// </summary>
    [ThreadStatic]
    private static CudaDriverContext? t_current;

    private readonly CudaContextHandle _owner;
    private readonly nint _context;

    /// <summary>Packed parameter bytes per function, from <see cref="GetFunction"/>; a launch must supply them.</summary>
    private readonly Dictionary<nint, int> _parameterBytes = [];
    // What this context created. A handle the driver never gave out (or already took back) would
    // be dereferenced by the driver and could crash the whole server, so every handle a call takes
    // is checked here first: the session validates them too, this is the last line.
    private readonly Dictionary<nint, HashSet<nint>> _moduleFunctions = [];
    private readonly HashSet<nint> _streams = [];
    private readonly HashSet<nint> _events = [];
    private readonly HashSet<nint> _hostAllocations = [];
    private bool _disposed;

    public CudaDriverContext(int device, CudaContextHandle owner)
    {
        Device = device;
        _owner = owner;
        _context = owner.Context;
        t_current = this; // cuCtxCreate made it current on this thread
    }

    public int Device { get; }

    /// <summary>The raw <c>CUcontext</c>, for peer copies between two contexts of this backend.</summary>
    internal nint Handle => _context;

    private CudaStatus MakeCurrent()
    {
        if (_disposed)
        {
            return CudaStatus.ContextIsDestroyed;
        }

        if (ReferenceEquals(t_current, this))
        {
            return CudaStatus.Success;
        }

        CudaStatus status = CudaDriverApi.CtxSetCurrent(_context);
        if (status == CudaStatus.Success)
        {
            t_current = this;
        }

        return status;
    }

    /// <summary><see cref="MakeCurrent"/>, then checks that <paramref name="stream"/> belongs to this context.</summary>
    private CudaStatus Ready(GpuStreamHandle stream) => Ready(IsKnown(stream));

    /// <summary><see cref="MakeCurrent"/>, then checks that <paramref name="gpuEvent"/> belongs to this context.</summary>
    private CudaStatus Ready(GpuEventHandle gpuEvent) => Ready(IsKnown(gpuEvent));

    /// <summary><see cref="MakeCurrent"/>, then checks that <paramref name="kernel"/> belongs to this context.</summary>
    private CudaStatus Ready(GpuFunctionHandle kernel) => Ready(IsKnown(kernel));

    /// <summary><see cref="MakeCurrent"/>, then checks that <paramref name="gpuModule"/> belongs to this context.</summary>
    private CudaStatus Ready(GpuModuleHandle gpuModule) => Ready(_moduleFunctions.ContainsKey(gpuModule.Value));

    private CudaStatus Ready(bool handleIsKnown)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        return handleIsKnown ? CudaStatus.Success : CudaStatus.InvalidHandle;
    }

    // 0 is the legacy default stream; 1 and 2 are the driver's CU_STREAM_LEGACY and
    // CU_STREAM_PER_THREAD sentinels, valid in every context.
    private bool IsKnown(GpuStreamHandle stream) => (nuint)stream.Value <= 2 || _streams.Contains(stream.Value);

    private bool IsKnown(GpuEventHandle gpuEvent) => _events.Contains(gpuEvent.Value);

    private bool IsKnown(GpuFunctionHandle kernel) => _parameterBytes.ContainsKey(kernel.Value);

    public CudaStatus Synchronize() => MakeCurrent() is var s && s != CudaStatus.Success ? s : CudaDriverApi.CtxSynchronize();

    public CudaStatus GetMemoryInfo(out ulong freeBytes, out ulong totalBytes)
    {
        freeBytes = totalBytes = 0;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nuint free, total;
        status = CudaDriverApi.MemGetInfo(&free, &total);
        freeBytes = free;
        totalBytes = total;
        return status;
    }

    public CudaStatus GetLimit(ContextLimit limit, out ulong value)
    {
        value = 0;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nuint raw;
        status = CudaDriverApi.CtxGetLimit(&raw, (int)limit);
        value = raw;
        return status;
    }

    public CudaStatus SetLimit(ContextLimit limit, ulong value) =>
        MakeCurrent() is var s && s != CudaStatus.Success ? s : CudaDriverApi.CtxSetLimit((int)limit, (nuint)value);

    // ---- memory ----

    public CudaStatus Allocate(ulong bytes, out ulong address)
    {
        address = 0;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        ulong pointer;
        status = CudaDriverApi.MemAlloc(&pointer, (nuint)bytes);
        address = status == CudaStatus.Success ? pointer : 0;
        return status;
    }

    public CudaStatus AllocatePitch(ulong widthBytes, ulong height, uint elementSizeBytes, out ulong address, out ulong pitch)
    {
        address = pitch = 0;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        ulong pointer;
        nuint rowPitch;
        status = CudaDriverApi.MemAllocPitch(&pointer, &rowPitch, (nuint)widthBytes, (nuint)height, elementSizeBytes);
        if (status == CudaStatus.Success)
        {
            address = pointer;
            pitch = rowPitch;
        }

        return status;
    }

    public CudaStatus Free(ulong address)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        status = CudaDriverApi.MemFree(address);
        ForgetPoolAllocation(status, address);
        return status;
    }

    // AllocateAsync takes from the context's own default pool: CudaDriverContext.MemoryPools.cs says why.

    public CudaStatus FreeAsync(ulong address, GpuStreamHandle stream)
    {
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        status = CudaDriverApi.MemFreeAsync(address, stream.Value);
        ForgetPoolAllocation(status, address);
        return status;
    }

    public CudaStatus GetAddressRange(ulong address, out ulong baseAddress, out ulong size)
    {
        baseAddress = size = 0;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        ulong start;
        nuint length;
        status = CudaDriverApi.MemGetAddressRange(&start, &length, address);
        if (status == CudaStatus.Success)
        {
            baseAddress = start;
            size = length;
        }

        return status;
    }

    public CudaStatus AllocateHost(ulong bytes, out nint hostPointer)
    {
        hostPointer = 0;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        void* pointer;
        status = CudaDriverApi.MemAllocHost(&pointer, (nuint)bytes);
        if (status == CudaStatus.Success)
        {
            hostPointer = (nint)pointer;
            _hostAllocations.Add(hostPointer);
        }

        return status;
    }

    public CudaStatus FreeHost(nint hostPointer)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        // Only pointers this context handed out: freeing anything else would corrupt the process.
        if (!_hostAllocations.Remove(hostPointer))
        {
            return CudaStatus.InvalidValue;
        }

        return CudaDriverApi.MemFreeHost((void*)hostPointer);
    }

    // ---- copies ----

    public CudaStatus CopyHostToDevice(ulong destination, nint source, ulong bytes) =>
        MakeCurrent() is var s && s != CudaStatus.Success ? s : CudaDriverApi.MemcpyHtoD(destination, (void*)source, (nuint)bytes);

    public CudaStatus CopyHostToDeviceAsync(ulong destination, nint source, ulong bytes, GpuStreamHandle stream) =>
        Ready(stream) is var s && s != CudaStatus.Success ? s : CudaDriverApi.MemcpyHtoDAsync(destination, (void*)source, (nuint)bytes, stream.Value);

    public CudaStatus CopyDeviceToHost(nint destination, ulong source, ulong bytes) =>
        MakeCurrent() is var s && s != CudaStatus.Success ? s : CudaDriverApi.MemcpyDtoH((void*)destination, source, (nuint)bytes);

    public CudaStatus CopyDeviceToHostAsync(nint destination, ulong source, ulong bytes, GpuStreamHandle stream) =>
        Ready(stream) is var s && s != CudaStatus.Success ? s : CudaDriverApi.MemcpyDtoHAsync((void*)destination, source, (nuint)bytes, stream.Value);

    public CudaStatus CopyDeviceToDevice(ulong destination, ulong source, ulong bytes) =>
        MakeCurrent() is var s && s != CudaStatus.Success ? s : CudaDriverApi.MemcpyDtoD(destination, source, (nuint)bytes);

    public CudaStatus CopyDeviceToDeviceAsync(ulong destination, ulong source, ulong bytes, GpuStreamHandle stream) =>
        Ready(stream) is var s && s != CudaStatus.Success ? s : CudaDriverApi.MemcpyDtoDAsync(destination, source, (nuint)bytes, stream.Value);

    public CudaStatus Copy2D(in MemoryCopy2D copy)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!TryDescribe(copy, out CuMemcpy2D native))
        {
            return CudaStatus.InvalidValue;
        }

        return CudaDriverApi.Memcpy2D(&native);
    }

    public CudaStatus Copy2DAsync(in MemoryCopy2D copy, GpuStreamHandle stream)
    {
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!TryDescribe(copy, out CuMemcpy2D native))
        {
            return CudaStatus.InvalidValue;
        }

        return CudaDriverApi.Memcpy2DAsync(&native, stream.Value);
    }

    public CudaStatus CopyPeer(ulong destination, IGpuContext destinationContext, ulong source, ulong bytes)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        return destinationContext is CudaDriverContext { _disposed: false } peer
            ? CudaDriverApi.MemcpyPeer(destination, peer.Handle, source, _context, (nuint)bytes)
            : CudaStatus.InvalidContext;
    }

    public CudaStatus CopyPeerAsync(ulong destination, IGpuContext destinationContext, ulong source, ulong bytes, GpuStreamHandle stream)
    {
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        return destinationContext is CudaDriverContext { _disposed: false } peer
            ? CudaDriverApi.MemcpyPeerAsync(destination, peer.Handle, source, _context, (nuint)bytes, stream.Value)
            : CudaStatus.InvalidContext;
    }

    internal static bool TryDescribe(in MemoryCopy2D copy, out CuMemcpy2D native)
    {
        native = default;
        if (copy.SourceLocation is not (MemoryLocation.Host or MemoryLocation.Device) ||
            copy.DestinationLocation is not (MemoryLocation.Host or MemoryLocation.Device))
        {
            return false;
        }

        native.SrcMemoryType = (CuMemoryType)copy.SourceLocation;
        native.SrcPitch = (nuint)copy.SourcePitch;
        (native.SrcHost, native.SrcDevice) = HostOrDevice(copy.SourceLocation, copy.Source);
        native.DstMemoryType = (CuMemoryType)copy.DestinationLocation;
        native.DstPitch = (nuint)copy.DestinationPitch;
        (native.DstHost, native.DstDevice) = HostOrDevice(copy.DestinationLocation, copy.Destination);
        native.WidthInBytes = (nuint)copy.WidthBytes;
        native.Height = (nuint)copy.Height;
        return true;
    }

    /// <summary>CUDA_MEMCPY2D takes a host address and a device address per side; the one that
    /// does not match the side's memory type stays 0.</summary>
    private static (nint Host, ulong Device) HostOrDevice(MemoryLocation location, ulong address) =>
        location == MemoryLocation.Host ? ((nint)address, 0UL) : (0, address);

    // ---- memset ----

    public CudaStatus Memset(ulong destination, uint value, MemsetElementSize elementSize, ulong count)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        return elementSize switch
        {
            MemsetElementSize.Bits8 => CudaDriverApi.MemsetD8(destination, (byte)value, (nuint)count),
            MemsetElementSize.Bits16 => CudaDriverApi.MemsetD16(destination, (ushort)value, (nuint)count),
            MemsetElementSize.Bits32 => CudaDriverApi.MemsetD32(destination, value, (nuint)count),
            _ => CudaStatus.InvalidValue,
        };
    }

    public CudaStatus MemsetAsync(ulong destination, uint value, MemsetElementSize elementSize, ulong count, GpuStreamHandle stream)
    {
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        return elementSize switch
        {
            MemsetElementSize.Bits8 => CudaDriverApi.MemsetD8Async(destination, (byte)value, (nuint)count, stream.Value),
            MemsetElementSize.Bits16 => CudaDriverApi.MemsetD16Async(destination, (ushort)value, (nuint)count, stream.Value),
            MemsetElementSize.Bits32 => CudaDriverApi.MemsetD32Async(destination, value, (nuint)count, stream.Value),
            _ => CudaStatus.InvalidValue,
        };
    }

    public CudaStatus Memset2D(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize, ulong widthElements, ulong height)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        return elementSize switch
        {
            MemsetElementSize.Bits8 => CudaDriverApi.MemsetD2D8(destination, (nuint)pitch, (byte)value, (nuint)widthElements, (nuint)height),
            MemsetElementSize.Bits16 => CudaDriverApi.MemsetD2D16(destination, (nuint)pitch, (ushort)value, (nuint)widthElements, (nuint)height),
            MemsetElementSize.Bits32 => CudaDriverApi.MemsetD2D32(destination, (nuint)pitch, value, (nuint)widthElements, (nuint)height),
            _ => CudaStatus.InvalidValue,
        };
    }

    public CudaStatus Memset2DAsync(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize, ulong widthElements, ulong height, GpuStreamHandle stream)
    {
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        return elementSize switch
        {
            MemsetElementSize.Bits8 => CudaDriverApi.MemsetD2D8Async(destination, (nuint)pitch, (byte)value, (nuint)widthElements, (nuint)height, stream.Value),
            MemsetElementSize.Bits16 => CudaDriverApi.MemsetD2D16Async(destination, (nuint)pitch, (ushort)value, (nuint)widthElements, (nuint)height, stream.Value),
            MemsetElementSize.Bits32 => CudaDriverApi.MemsetD2D32Async(destination, (nuint)pitch, value, (nuint)widthElements, (nuint)height, stream.Value),
            _ => CudaStatus.InvalidValue,
        };
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        DestroyGraphObjects();
        ReleaseMemoryPools(); // pools are the device's: destroying the context would not free them
        ReleaseVirtualMemory(); // nor reservations, physical allocations and mappings
        _disposed = true;
        _hostAllocations.Clear(); // freed with the context
        _parameterBytes.Clear();
        _parameterLayouts.Clear();
        _moduleFunctions.Clear();
        _streams.Clear();
        _events.Clear();
        if (ReferenceEquals(t_current, this))
        {
            t_current = null;
        }

        // cuCtxDestroy frees everything the session left behind and pops it from this thread.
        _owner.Dispose();
    }
}
