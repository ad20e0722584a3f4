namespace Orion.Server.Core.ComputeShares;

/// <summary>
/// Divides one GPU's time among the sessions of its vGPUs in proportion to their compute shares, by turns: one session
/// at a time may submit work (it holds the turn); when its quantum is over and another session waits, it is asked to
/// yield, lets its queued work drain and gives the turn back, and the waiting session with the least GPU time per share
/// (stride scheduling) goes next. A session alone on the GPU keeps the turn and is never asked for anything, so a lone
/// tenant pays nothing; a session that has no work takes no turns, so its share goes to the others. A session that does
/// not give the turn back within a grace period after the request loses it.
/// </summary>
/// <remarks>
/// The time a session is charged is what it held the turn, from the grant to the moment it gave it back, which
/// includes the drain of its own queued work: what it kept the GPU from others. Held time is the GPU time of a session
/// that keeps the GPU busy, which is where shares matter. Shares only weigh turns against each other: two sessions of
/// 70 and 30 alone on a GPU get 70% and 30% of it, one of them alone gets all of it.
/// </remarks>
internal sealed class GpuTimeScheduler : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<GpuTimeParticipant> _participants = [];
    private readonly TimeProvider _time;
    private readonly long _quantumTicks;
    private readonly long _graceTicks;
    private readonly ITimer _timer;
    private GpuTimeParticipant? _holder;
    private long _grantedAt;
    private bool _yieldRequested;

    /// <summary>When the holder's quantum is over (it may be extended while the holder is still the least served).</summary>
    private long _yieldDue;
    private long _yieldRequestedAt;
    private bool _disposed;

    /// <param name="quantum">How long a session may keep the turn while another waits.</param>
    /// <param name="grace">How long a session asked to yield may take to give the turn back before it is taken.</param>
    /// <param name="time">The clock (a fake one in tests).</param>
    public GpuTimeScheduler(TimeSpan quantum, TimeSpan grace, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(quantum, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        _time = time;
        _quantumTicks = ToTicks(quantum);
        _graceTicks = ToTicks(grace);
        _timer = time.CreateTimer(_ => Tick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Adds a session with its share; it waits for nothing until it asks for a turn.</summary>
    public GpuTimeParticipant Join(IGpuTimeHolder holder, int sharePercent, string name)
    {
        ArgumentNullException.ThrowIfNull(holder);
        ArgumentOutOfRangeException.ThrowIfLessThan(sharePercent, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sharePercent, 100);
        var participant = new GpuTimeParticipant(holder, sharePercent, name) { IdleSince = long.MinValue / 2 };
        lock (_gate)
        {
            _participants.Add(participant);
        }
        return participant;
    }

    /// <summary>The participant has work and asks for a turn; granted at once when nobody holds one.</summary>
    public void Request(GpuTimeParticipant participant)
    {
        lock (_gate)
        {
            if (!participant.Joined || participant.Waiting)
            {
                return;
            }
            if (ReferenceEquals(_holder, participant))
            {
                // It already holds the turn (it may have missed the news in a race): tell it again.
                participant.Holder.Granted();
                return;
            }
            // A session back from real idleness (longer than a quantum) starts level with the least served of the others,
            // so time it did not use is not saved up; one that gave its turn back a moment ago between two calls keeps its place.
            if (_time.GetTimestamp() - participant.IdleSince > _quantumTicks)
            {
                participant.Pass = Math.Max(participant.Pass, LowestActivePass(participant));
            }
            participant.Waiting = true;
            if (_holder is null)
            {
                GrantNextLocked();
            }
            AdvanceLocked();
        }
    }

    /// <summary>
    /// The holder gives its turn back (ignored from a participant that no longer holds it). With <paramref name="requeue"/>
    /// it still has work and waits for its next turn, competing for this very one: a tenant whose share is not used up
    /// yet may get the turn straight back.
    /// </summary>
    public void Release(GpuTimeParticipant participant, bool requeue = false)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_holder, participant))
            {
                if (requeue && participant.Joined && !participant.Waiting)
                {
                    participant.Waiting = true; // it lost the turn meanwhile (revoked) but has work
                    if (_holder is null)
                    {
                        GrantNextLocked(); // nobody else wanted it: the turn comes straight back
                    }
                    AdvanceLocked();
                }
                return;
            }
            EndTurnLocked();
            participant.Waiting = requeue;
            participant.IdleSince = _time.GetTimestamp();
            GrantNextLocked();
            AdvanceLocked();
        }
    }

    /// <summary>The session ended: it holds and waits for nothing any more.</summary>
    public void Leave(GpuTimeParticipant participant)
    {
        lock (_gate)
        {
            if (!participant.Joined)
            {
                return;
            }
            participant.Joined = false;
            participant.Waiting = false;
            _participants.Remove(participant);
            if (ReferenceEquals(_holder, participant))
            {
                EndTurnLocked();
                GrantNextLocked();
                AdvanceLocked();
            }
        }
    }

    /// <summary>GPU time each participant has held so far (timestamp ticks), for reports and tests.</summary>
    public long HeldTicks(GpuTimeParticipant participant)
    {
        lock (_gate)
        {
            var held = participant.HeldTicks;
            return ReferenceEquals(_holder, participant) ? held + (_time.GetTimestamp() - _grantedAt) : held;
        }
    }

    /// <summary>The timer: asks the holder to yield once its quantum is over and someone waits; takes the turn after the grace period.</summary>
    internal void Tick()
    {
        lock (_gate)
        {
            AdvanceLocked();
        }
    }

    /// <summary>
    /// Does what is due now (a yield request once the holder's quantum is over and someone waits; the turn taken once the
    /// grace after that request is over), then arms the timer for the next thing due.
    /// </summary>
    private void AdvanceLocked()
    {
        while (!_disposed && _holder is not null && AnyoneWaitingLocked())
        {
            var now = _time.GetTimestamp();
            if (!_yieldRequested)
            {
                if (now < _yieldDue)
                {
                    Arm(_yieldDue - now);
                    return;
                }
                if (HolderStillLeastServedLocked(now))
                {
                    // Its share is not used up yet: it keeps the turn for another quantum (a tenant that gives its turn
                    // back between two calls would otherwise alternate with the others whatever the shares).
                    _yieldDue = now + _quantumTicks;
                    continue;
                }
                _yieldRequested = true;
                _yieldRequestedAt = now;
                _holder.Holder.YieldRequested();
                continue;
            }
            var graceEnd = _yieldRequestedAt + _graceTicks;
            if (now < graceEnd)
            {
                Arm(graceEnd - now);
                return;
            }
            var revoked = _holder;
            EndTurnLocked();
            revoked.Holder.Revoked();
            GrantNextLocked();
        }
    }

    private void Arm(long dueTicks) =>
        _timer.Change(TimeSpan.FromSeconds((double)Math.Max(1, dueTicks) / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);

    private void EndTurnLocked()
    {
        var holder = _holder!;
        var held = Math.Max(0, _time.GetTimestamp() - _grantedAt);
        holder.HeldTicks += held;
        holder.Pass += (double)held / holder.SharePercent;
        _holder = null;
        _yieldRequested = false;
    }

    private void GrantNextLocked()
    {
        GpuTimeParticipant? next = null;
        foreach (var participant in _participants)
        {
            if (participant.Waiting && (next is null || participant.Pass < next.Pass))
            {
                next = participant;
            }
        }
        if (next is null)
        {
            return;
        }
        next.Waiting = false;
        _holder = next;
        _grantedAt = _time.GetTimestamp();
        _yieldDue = _grantedAt + _quantumTicks;
        _yieldRequested = false;
        next.Holder.Granted();
    }

    /// <summary>True while the holder, counting the turn it is in, has had less GPU time per share than every waiting tenant.</summary>
    private bool HolderStillLeastServedLocked(long now)
    {
        var holder = _holder!;
        var effective = holder.Pass + ((double)Math.Max(0, now - _grantedAt) / holder.SharePercent);
        foreach (var participant in _participants)
        {
            if (participant.Waiting && participant.Pass < effective)
            {
                return false;
            }
        }
        return true;
    }

    private bool AnyoneWaitingLocked()
    {
        foreach (var participant in _participants)
        {
            if (participant.Waiting)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The lowest pass among those holding or waiting, other than <paramref name="except"/> (its own pass when none); the
    /// holder's counts the turn it is in, so a tenant that had the GPU to itself for long is not behind a newcomer.
    /// </summary>
    private double LowestActivePass(GpuTimeParticipant except)
    {
        var lowest = double.NaN;
        foreach (var participant in _participants)
        {
            if (ReferenceEquals(participant, except) || !(participant.Waiting || ReferenceEquals(participant, _holder)))
            {
                continue;
            }
            var pass = ReferenceEquals(participant, _holder)
                ? participant.Pass + ((double)Math.Max(0, _time.GetTimestamp() - _grantedAt) / participant.SharePercent)
                : participant.Pass;
            if (double.IsNaN(lowest) || pass < lowest)
            {
                lowest = pass;
            }
        }
        return double.IsNaN(lowest) ? except.Pass : lowest;
    }

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }
        _timer.Dispose();
    }
}
