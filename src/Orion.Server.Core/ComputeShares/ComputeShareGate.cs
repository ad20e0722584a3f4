namespace Orion.Server.Core.ComputeShares;

/// <summary>
/// A session's side of its GPU's turns (<see cref="GpuTimeScheduler"/>). The session's executor calls <see cref="Enter"/>
/// before it runs a message's calls and <see cref="Idle"/> before it waits for the next message. While the session holds
/// the turn and nobody asked it to yield, both cost two field reads: a lone tenant pays nothing more.
/// </summary>
internal sealed class ComputeShareGate : IGpuTimeHolder, IDisposable
{
    /// <summary>How often a session waiting for its turn looks whether it has ended meanwhile.</summary>
    private static readonly TimeSpan EndedCheckInterval = TimeSpan.FromMilliseconds(100);

#pragma warning disable CA2213 // Never disposed: a grant may still arrive from the scheduler's thread after the session ended; it holds no handle unless waited on long.
    private readonly ManualResetEventSlim _granted = new(false);
#pragma warning restore CA2213
    private IGpuTimeLink? _link;
    private volatile bool _holding;
    private volatile bool _yieldRequested;

    /// <summary>Connects the gate to its scheduler; separate from construction because the link needs the gate as its holder.</summary>
    public void Attach(IGpuTimeLink link) => _link = link;

    /// <summary>True while the session may submit work (for tests and snapshots).</summary>
    public bool Holding => _holding;

    /// <summary>
    /// Before the session submits work: returns at once while it holds the turn and nobody waits for it. Asked to yield,
    /// it first lets its own work drain (<paramref name="drain"/>), then gives the turn back and waits for its next one.
    /// Returns false when <paramref name="ended"/> says the session ended while it waited.
    /// </summary>
    public bool Enter(Action drain, Func<bool> ended)
    {
        if (_holding && !_yieldRequested)
        {
            return true;
        }
        _granted.Reset(); // before asking: the grant may come back at once, on this thread
        if (_holding)
        {
            drain();
            _holding = false;
            _yieldRequested = false;
            _link!.Requeue();
        }
        else
        {
            _link!.Request();
        }
        while (!_granted.Wait(EndedCheckInterval))
        {
            if (ended())
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Before the session waits for its client: gives the turn back now if asked to (its work drained first).</summary>
    public void Idle(Action drain)
    {
        if (_holding && _yieldRequested)
        {
            drain();
            GiveBack();
        }
    }

    private void GiveBack()
    {
        _holding = false;
        _yieldRequested = false;
        _link!.Release();
    }

    void IGpuTimeHolder.Granted()
    {
        _yieldRequested = false;
        _holding = true;
        _granted.Set();
    }

    void IGpuTimeHolder.YieldRequested()
    {
        if (_holding)
        {
            _yieldRequested = true;
        }
    }

    void IGpuTimeHolder.Revoked()
    {
        _holding = false;
        _yieldRequested = false;
    }

    /// <summary>Leaves the scheduler (the session ended): whatever it held or waited for is given up.</summary>
    public void Dispose()
    {
        _link?.Dispose();
        _holding = false;
    }
}
