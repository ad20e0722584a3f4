using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// A device's staging buffers for one session: <see cref="Depth"/> host buffers of one chunk each, allocated once with the
/// backend's host allocation (pinned memory on the CUDA backend), each with an event recorded after the copy that last used
/// it. While the GPU copies one buffer the network fills or drains the other, so a copy costs the larger of the two rather
/// than their sum (<see cref="Calls.PipelinedCopy"/>). Between calls every buffer is idle: a call waits for its copies
/// before it returns, so its status and CUDA's synchronous-copy semantics stay as they were.
/// </summary>
internal sealed class StagingRing
{
    /// <summary>Two buffers: the network is an order of magnitude slower than PCIe, so one copy always finishes while the
    /// other buffer is moving over the network.</summary>
    public const int Depth = 2;

    /// <summary><c>CU_EVENT_DISABLE_TIMING</c>: the lightest event; it is only waited for.</summary>
    private const uint EventDisableTiming = 0x2;

    private readonly IGpuContext _context;
    private readonly nint[] _buffers = new nint[Depth];
    private readonly GpuEventHandle[] _events = new GpuEventHandle[Depth];
    private readonly bool[] _busy = new bool[Depth];

    private StagingRing(IGpuContext context) => _context = context;

    /// <summary>Allocates the buffers and events; on failure frees what it had and returns the backend's status.</summary>
    public static CudaStatus Create(IGpuContext context, int chunkBytes, out StagingRing? ring)
    {
        var made = new StagingRing(context);
        for (var slot = 0; slot < Depth; slot++)
        {
            var status = context.AllocateHost((ulong)chunkBytes, out made._buffers[slot]);
            if (status == CudaStatus.Success)
            {
                status = context.CreateEvent(EventDisableTiming, out made._events[slot]);
            }
            if (status != CudaStatus.Success)
            {
                made.Free();
                ring = null;
                return status;
            }
        }
        ring = made;
        return CudaStatus.Success;
    }

    /// <summary>The host buffer of <paramref name="slot"/>; wait for it (<see cref="WaitFor"/>) before filling it again.</summary>
    public nint this[int slot] => _buffers[slot];

    /// <summary>Marks the slot's buffer as in use by the copy just queued on <paramref name="stream"/> (an event after it).</summary>
    public CudaStatus Queued(int slot, GpuStreamHandle stream)
    {
        var status = _context.RecordEvent(_events[slot], stream, 0);
        if (status == CudaStatus.Success)
        {
            _busy[slot] = true;
            return status;
        }
        // No event to wait for: wait for the stream itself, so the buffer is never reused under a running copy.
        _context.SynchronizeStream(stream);
        return status;
    }

    /// <summary>Waits until the copy that last used the slot's buffer is complete; returns its failure, if any.</summary>
    public CudaStatus WaitFor(int slot)
    {
        if (!_busy[slot])
        {
            return CudaStatus.Success;
        }
        _busy[slot] = false;
        return _context.SynchronizeEvent(_events[slot]);
    }

    /// <summary>Waits for every buffer; returns the first failure.</summary>
    public CudaStatus WaitAll()
    {
        var first = CudaStatus.Success;
        for (var slot = 0; slot < Depth; slot++)
        {
            var status = WaitFor(slot);
            if (first == CudaStatus.Success)
            {
                first = status;
            }
        }
        return first;
    }

    /// <summary>Frees the buffers and events (after waiting for them), before the context goes.</summary>
    public void Free()
    {
        WaitAll();
        for (var slot = 0; slot < Depth; slot++)
        {
            if (_events[slot] != default)
            {
                _context.DestroyEvent(_events[slot]);
                _events[slot] = default;
            }
            if (_buffers[slot] != 0)
            {
                _context.FreeHost(_buffers[slot]);
                _buffers[slot] = 0;
            }
        }
    }
}
