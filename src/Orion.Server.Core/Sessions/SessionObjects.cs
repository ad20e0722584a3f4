using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// What a session owns on the GPU: its context per device (created on first use), each device's
/// pinned staging buffers, the table of its allocations and handles, and the current device. The
/// call handlers share it; only the session's executor thread touches it.
/// </summary>
internal sealed class SessionObjects
{
    private readonly IGpuBackend _backend;
    private ServerSessionConfig _config;
    private IGpuContext?[] _contexts;
    private StagingRing?[] _staging;

    public SessionObjects(IGpuBackend backend, ServerSessionConfig config, ILogger? logger = null, ulong sessionId = 0)
    {
        _backend = backend;
        _config = config;
        _contexts = new IGpuContext?[config.Devices.Length];
        _staging = new StagingRing?[config.Devices.Length];
        Logger = logger ?? NullLogger.Instance;
        SessionId = sessionId;
    }

    /// <summary>
    /// Puts the session where admission placed it (its devices and limits) during the handshake, before its first call:
    /// the session's devices are known only once its hello has asked for a vGPU.
    /// </summary>
    public void PlaceOn(ServerSessionConfig config)
    {
        if (ContextCount != 0)
        {
            throw new InvalidOperationException("a session is placed before it makes any context");
        }
        _config = config;
        _contexts = new IGpuContext?[config.Devices.Length];
        _staging = new StagingRing?[config.Devices.Length];
        CurrentDevice = 0;
    }

    /// <summary>Where call handlers log what they refuse and why (the session's logger).</summary>
    public ILogger Logger { get; }

    /// <summary>The session's id, for those log lines.</summary>
    public ulong SessionId { get; }

    public SessionTables Tables { get; } = new();

    /// <summary>The session's CUDA arrays, texture objects and surface objects.</summary>
    public SessionArrays Arrays { get; } = new();

    public IGpuBackend Backend => _backend;

    public ServerSessionConfig Config => _config;

    public int DeviceCount => _contexts.Length;

    public int CurrentDevice { get; set; }

    public int ContextCount => _contexts.Count(context => context is not null);

    /// <summary>True when the session has made its context on <paramref name="device"/> (a session's device number).</summary>
    public bool HasContext(int device) => (uint)device < (uint)_contexts.Length && _contexts[device] is not null;

    /// <summary>The current device's context, created on first use; null status when it is ready.</summary>
    public CudaStatus? WithContext(out IGpuContext context)
    {
        var existing = _contexts[CurrentDevice];
        if (existing is null)
        {
            var status = _backend.CreateContext(_config.Devices[CurrentDevice], out existing);
            if (status != CudaStatus.Success || existing is null)
            {
                context = null!;
                return status == CudaStatus.Success ? CudaStatus.Unknown : status;
            }
            _contexts[CurrentDevice] = existing;
        }
        context = existing;
        return null;
    }

    /// <summary>The context of a device the session already used (its objects exist only there).</summary>
    public IGpuContext ContextOf(int device) =>
        _contexts[device] ?? throw new InvalidOperationException($"no context for device {device} although the session holds objects there");

    public CudaStatus? ResolveStream(ulong handle, out GpuStreamHandle stream) => ResolveStream(handle, CurrentDevice, out stream);

    public CudaStatus? ResolveStream(ulong handle, int device, out GpuStreamHandle stream)
    {
        stream = GpuStreamHandle.Null;
        if (handle < ProtocolLimits.FirstClientHandle)
        {
            // 0, and CUDA's legacy (1) and per-thread (2) sentinels, all mean the device's default stream.
            return handle <= 2 ? null : CudaStatus.InvalidHandle;
        }
        if (!Tables.TryGetStream(handle, out var entry) || entry.Device != device)
        {
            return CudaStatus.InvalidHandle;
        }
        stream = entry.Stream;
        return null;
    }

    /// <summary>
    /// Device memory this session holds on <paramref name="device"/> by its own accounting: its allocations (module
    /// globals and mappings of the virtual memory API excepted), its physical allocations and its arrays.
    /// </summary>
    public ulong MemoryHeldOn(int device)
    {
        var tables = Tables.HeldBytesOn(device);
        var arrays = Arrays.ArrayBytesOn(device);
        return arrays > ulong.MaxValue - tables ? ulong.MaxValue : tables + arrays;
    }

    /// <summary>
    /// Out of memory when <paramref name="bytes"/> more on <paramref name="device"/> would take the session past its
    /// memory quota, or (<paramref name="newAllocation"/>) past its count of allocations; checked before the device is asked.
    /// </summary>
    public CudaStatus? RefuseBeyondLimits(int device, ulong bytes, bool newAllocation = true)
    {
        var limits = _config.SessionLimits;
        if (newAllocation && Tables.Counts().Allocations >= limits.MaxAllocations)
        {
            return CudaStatus.OutOfMemory;
        }
        if (limits.MemoryQuotaBytes is not { } quota)
        {
            return null;
        }
        var held = MemoryHeldOn(device);
        return held > quota || bytes > quota - held ? CudaStatus.OutOfMemory : null;
    }

    /// <summary>Out of memory when the session already holds as many objects of a kind as its limit allows.</summary>
    public static CudaStatus? RefuseBeyondCount(int held, int limit) => held >= limit ? CudaStatus.OutOfMemory : null;

    public CudaStatus? CheckNewHandle(ulong handle) =>
        handle < ProtocolLimits.FirstClientHandle || Tables.ContainsHandle(handle) || Arrays.ContainsArray(handle) ? CudaStatus.InvalidValue : null;

    public CudaStatus? CheckRange(ulong address, ulong bytes) => CheckRange(address, bytes, CurrentDevice);

    public CudaStatus? CheckRange(ulong address, ulong bytes, int device) =>
        bytes == 0 || Tables.ContainsRange(address, bytes, device) ? null : CudaStatus.InvalidValue;

    /// <summary>Bytes from the first row's start to the last row's end; a value no allocation can hold when it overflows.</summary>
    public static ulong PitchedExtent(ulong pitch, ulong rowBytes, ulong height)
    {
        if (height == 0)
        {
            return 0;
        }
        var rows = (UInt128)(height - 1) * pitch + rowBytes;
        return rows > ulong.MaxValue ? ulong.MaxValue : (ulong)rows;
    }

    /// <summary>The current device's staging buffers (<see cref="StagingRing"/>), allocated on first use; the context must exist.</summary>
    public CudaStatus? Staging(out StagingRing ring)
    {
        if (_staging[CurrentDevice] is { } existing)
        {
            ring = existing;
            return null;
        }
        var status = StagingRing.Create(ContextOf(CurrentDevice), _config.ChunkBytes, out var made);
        ring = made!;
        if (status != CudaStatus.Success)
        {
            return status;
        }
        _staging[CurrentDevice] = made;
        return null;
    }

    /// <summary>One staging buffer of the current device, for a copy that moves one chunk at a time (idle between calls).</summary>
    public CudaStatus? Staging(out nint staging)
    {
        var refused = Staging(out StagingRing ring);
        staging = refused is null ? ring[0] : 0;
        return refused;
    }

    /// <summary>Destroys the device's context, which frees every allocation, module, stream and event still in it.</summary>
    public void DestroyContext(int device)
    {
        var context = _contexts[device];
        if (context is null)
        {
            return;
        }
        if (_staging[device] is { } ring)
        {
            ring.Free();
            _staging[device] = null;
        }
        context.Dispose();
        _contexts[device] = null;
        Tables.RemoveDevice(device);
        Arrays.RemoveDevice(device);
    }

    /// <summary>
    /// Waits for the work of every context of the session to finish (before it gives its GPU turn back); a failed
    /// context's error stays for the session's next synchronizing call to report. Skipped while a stream captures: a
    /// context-wide synchronize would invalidate the capture (captured work does not run anyway).
    /// </summary>
    public void SynchronizeContexts()
    {
        if (Tables.AnyCaptureInProgress())
        {
            return;
        }
        foreach (var context in _contexts)
        {
            context?.Synchronize();
        }
    }

    public void DestroyAll()
    {
        for (var device = 0; device < _contexts.Length; device++)
        {
            DestroyContext(device);
        }
    }
}
