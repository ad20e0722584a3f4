using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.VGpus;

/// <summary>
/// Admission control: places each session that passed authentication on a free vGPU, best fit (the smallest memory,
/// then the smallest share, that has what its hello asks for), or refuses it with what is free; the vGPU is free again
/// when <see cref="Release"/> is called for the session (its end, or its worker's exit). One lock over every vGPU, so
/// that hellos arriving together can never place two sessions on one vGPU.
/// </summary>
/// <remarks>
/// A device that is not divided takes any number of sessions, as before vGPUs, each with the server's memory quota (or
/// the device's memory) and no compute share reserved. Where some device is divided, every session is placed on one
/// device, a vGPU before an undivided device. Where none is, a hello that asks for nothing sees every device (today's
/// behaviour), and one that asks for memory or a device is placed on one device that has that memory.
/// </remarks>
internal sealed class VGpuAdmission
{
    /// <summary>No session holds the vGPU (session ids start at 1).</summary>
    private const ulong Free = 0;

    private readonly VGpuLayout _layout;
    private readonly ulong[] _undividedSessionMemory;
    private readonly ulong[][] _holders;
    private readonly Dictionary<ulong, VGpuSlice> _heldBySession = [];
    private readonly Lock _gate = new();

    /// <summary>Completes at the next release (and is then replaced): what a hello waiting for a vGPU waits on.</summary>
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="layout">The vGPUs of each device.</param>
    /// <param name="undividedSessionMemory">Per device, the memory a session sees on it when it is not divided (the server's
    /// memory quota, or the device's memory).</param>
    public VGpuAdmission(VGpuLayout layout, IReadOnlyList<ulong> undividedSessionMemory)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(undividedSessionMemory);
        _layout = layout;
        _undividedSessionMemory = [.. undividedSessionMemory];
        _holders = [.. layout.SlicesByDevice.Select(slices => new ulong[slices?.Count ?? 0])];
    }

    private int DeviceCount => _holders.Length;

    /// <summary>
    /// Places session <paramref name="sessionId"/> for <paramref name="request"/>; false, with a one-line reason for the
    /// client, when nothing free has what it asks for.
    /// </summary>
    public bool TryPlace(ulong sessionId, VGpuRequest request, out VGpuPlacement placement, out string refusal)
    {
        ArgumentNullException.ThrowIfNull(request);
        placement = VGpuPlacement.AllDevices;
        refusal = "";
        if (request.Device is { } named && named >= DeviceCount)
        {
            refusal = DeviceCount == 1
                ? $"the server has 1 device (device 0); there is no device {named}"
                : $"the server has {DeviceCount} devices (0 to {DeviceCount - 1}); there is no device {named}";
            return false;
        }
        if (!_layout.IsDivided && request.IsEmpty)
        {
            return true;
        }
        lock (_gate)
        {
            if (_heldBySession.ContainsKey(sessionId))
            {
                throw new InvalidOperationException($"session {sessionId} is placed already");
            }
            if (BestFit(request) is not { } best)
            {
                refusal = Refusal(request);
                return false;
            }
            if (best.Slice is { } slice)
            {
                _holders[slice.Device][slice.Index] = sessionId;
                _heldBySession[sessionId] = slice;
            }
            placement = best;
            return true;
        }
    }

    /// <summary>Frees the vGPU <paramref name="sessionId"/> holds, if any; safe to call more than once.</summary>
    public void Release(ulong sessionId)
    {
        lock (_gate)
        {
            if (_heldBySession.Remove(sessionId, out var slice))
            {
                _holders[slice.Device][slice.Index] = Free;
                var released = _released;
                _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                released.SetResult();
            }
        }
    }

    /// <summary>Completes when a vGPU is next given back.</summary>
    public Task NextRelease
    {
        get
        {
            lock (_gate)
            {
                return _released.Task;
            }
        }
    }

    /// <summary>
    /// True when some vGPU could take <paramref name="request"/> once given back: waiting for a release can help (the
    /// vGPUs that fit are only in use, possibly by sessions that have just ended and are still being cleaned up).
    /// </summary>
    public bool CouldFitLater(VGpuRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_layout.IsDivided || (request.Device is { } named && named >= DeviceCount))
        {
            return false;
        }
        var devices = request.Device is { } only ? [only] : Enumerable.Range(0, DeviceCount);
        return devices.Any(device => _layout.SlicesByDevice[device] is { } slices
            && slices.Any(slice => slice.MemoryBytes >= request.MemoryBytes && slice.SharePercent >= request.SharePercent));
    }

    /// <summary>Every vGPU and its holder.</summary>
    public IReadOnlyList<VGpuSnapshot> Snapshot()
    {
        lock (_gate)
        {
            return
            [
                .. _layout.SlicesByDevice.SelectMany(slices => slices ?? []).Select(slice =>
                {
                    var holder = _holders[slice.Device][slice.Index];
                    return new VGpuSnapshot(slice.Device, slice.Index, slice.MemoryBytes, slice.SharePercent, holder == Free ? null : holder);
                }),
            ];
        }
    }

    /// <summary>
    /// The table clients see (<c>GetServerVGpus</c>): every vGPU with its holder (0: free), and, where some device is
    /// divided, an entry per undivided device with the memory a session has there; empty where none is divided.
    /// </summary>
    public IReadOnlyList<ServerVGpuStatus> StatusEntries()
    {
        if (!_layout.IsDivided)
        {
            return [];
        }
        var entries = new List<ServerVGpuStatus>();
        lock (_gate)
        {
            for (var device = 0; device < DeviceCount; device++)
            {
                if (_layout.SlicesByDevice[device] is not { } slices)
                {
                    entries.Add(new ServerVGpuStatus(device, ServerVGpuStatus.UndividedSlice, _undividedSessionMemory[device], 0, 0));
                    continue;
                }
                entries.AddRange(slices.Select(slice =>
                    new ServerVGpuStatus(device, slice.Index, slice.MemoryBytes, slice.SharePercent, _holders[device][slice.Index])));
            }
        }
        return entries;
    }

    /// <summary>The smallest free vGPU that has what is asked, else the undivided device with the least memory that has it. Caller holds the lock.</summary>
    private VGpuPlacement? BestFit(VGpuRequest request)
    {
        VGpuSlice? bestSlice = null;
        int? bestDevice = null;
        for (var device = 0; device < DeviceCount; device++)
        {
            if (request.Device is { } named && named != device)
            {
                continue;
            }
            if (_layout.SlicesByDevice[device] is not { } slices)
            {
                // An undivided device reserves no compute share, and takes sessions without limit.
                if (request.SharePercent == 0 && request.MemoryBytes <= _undividedSessionMemory[device]
                    && (bestDevice is null || _undividedSessionMemory[device] < _undividedSessionMemory[bestDevice.Value]))
                {
                    bestDevice = device;
                }
                continue;
            }
            foreach (var slice in slices)
            {
                if (_holders[device][slice.Index] == Free && slice.MemoryBytes >= request.MemoryBytes && slice.SharePercent >= request.SharePercent
                    && (bestSlice is null || (slice.MemoryBytes, slice.SharePercent).CompareTo((bestSlice.MemoryBytes, bestSlice.SharePercent)) < 0))
                {
                    bestSlice = slice;
                }
            }
        }
        // A vGPU first: it is the session's own, where an undivided device is shared with every session placed there.
        return bestSlice is not null ? new VGpuPlacement(bestSlice.Device, bestSlice)
            : bestDevice is not null ? new VGpuPlacement(bestDevice, null)
            : null;
    }

    /// <summary>Why nothing fits: what was asked, then for each device it could have gone to, what is free there. Caller holds the lock.</summary>
    private string Refusal(VGpuRequest request)
    {
        var asked = (request with { Device = null }).Describe();
        var devices = request.Device is { } named ? [named] : Enumerable.Range(0, DeviceCount).ToArray();
        var states = devices.Select(device => (devices.Length > 1 ? $"device {device}: " : "") + DeviceState(device, request));
        var where = request.Device is { } only ? $" on device {only}" : DeviceCount == 1 ? " on device 0" : "";
        return $"no {(_layout.IsDivided ? "vGPU" : "device")} with {asked} free{where}: {string.Join("; ", states)}";
    }

    private string DeviceState(int device, VGpuRequest request)
    {
        if (_layout.SlicesByDevice[device] is not { } slices)
        {
            return $"not divided into vGPUs ({ByteSize.Format(_undividedSessionMemory[device])} per session, no compute share reserved)";
        }
        var free = slices.Where(slice => _holders[device][slice.Index] == Free).ToArray();
        var state = $"{slices.Count - free.Length} of {slices.Count} vGPUs in use";
        if (free.Length > 0)
        {
            var largest = free.MaxBy(slice => (slice.MemoryBytes, slice.SharePercent))!;
            state += $", the largest free has {ByteSize.Format(largest.MemoryBytes)} and a {largest.SharePercent}% share";
        }
        // Waiting helps only if some vGPU there could ever take the request.
        if (!slices.Any(slice => slice.MemoryBytes >= request.MemoryBytes && slice.SharePercent >= request.SharePercent))
        {
            var biggest = slices.MaxBy(slice => (slice.MemoryBytes, slice.SharePercent))!;
            state += $"; none there is that large (the largest has {ByteSize.Format(biggest.MemoryBytes)} and a {biggest.SharePercent}% share)";
        }
        return state;
    }
}
