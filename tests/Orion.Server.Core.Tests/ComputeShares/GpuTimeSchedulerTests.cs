using Microsoft.Extensions.Time.Testing;
using Orion.Server.Core.ComputeShares;

namespace Orion.Server.Core.Tests.ComputeShares;

public sealed class GpuTimeSchedulerTests : IDisposable
{
    private static readonly TimeSpan Quantum = TimeSpan.FromMilliseconds(20);
    private readonly FakeTimeProvider _clock = new();
    private readonly GpuTimeScheduler _scheduler;

    public GpuTimeSchedulerTests() => _scheduler = new GpuTimeScheduler(Quantum, Quantum, _clock);

    public void Dispose() => _scheduler.Dispose();

    /// <summary>What a session's gate would record; the test plays the session's executor.</summary>
    private sealed class Tenant : IGpuTimeHolder
    {
        public GpuTimeParticipant Participant = null!;
        public bool Holding;
        public bool AskedToYield;
        public int Grants;
        public int Revocations;

        public void Granted()
        {
            Holding = true;
            AskedToYield = false;
            Grants++;
        }

        public void YieldRequested() => AskedToYield = true;

        public void Revoked()
        {
            Holding = false;
            Revocations++;
        }
    }

    private Tenant Join(int share)
    {
        var tenant = new Tenant();
        tenant.Participant = _scheduler.Join(tenant, share, $"tenant {share}");
        return tenant;
    }

    /// <summary>Every tenant always has work: it asks for a turn whenever it has none and gives it back as soon as asked.</summary>
    private void RunBusy(TimeSpan duration, params Tenant[] tenants)
    {
        var step = TimeSpan.FromMilliseconds(1);
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += step)
        {
            foreach (var tenant in tenants)
            {
                if (tenant.Holding && tenant.AskedToYield)
                {
                    tenant.Holding = false;
                    _scheduler.Release(tenant.Participant, requeue: true);
                }
            }
            foreach (var tenant in tenants)
            {
                if (!tenant.Holding)
                {
                    _scheduler.Request(tenant.Participant);
                }
            }
            _clock.Advance(step);
        }
    }

    private double ShareOf(Tenant tenant, params Tenant[] all) =>
        (double)_scheduler.HeldTicks(tenant.Participant) / all.Sum(t => _scheduler.HeldTicks(t.Participant));

    [Fact]
    public void A_lone_tenant_keeps_its_turn_and_is_never_asked_to_yield()
    {
        var alone = Join(30);
        _scheduler.Request(alone.Participant);
        Assert.True(alone.Holding);
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(alone.AskedToYield);
        Assert.Equal(1, alone.Grants);
    }

    [Theory]
    [InlineData(70, 30)]
    [InlineData(50, 50)]
    [InlineData(90, 10)]
    public void Two_busy_tenants_share_the_GPU_in_proportion_to_their_shares(int first, int second)
    {
        var a = Join(first);
        var b = Join(second);
        RunBusy(TimeSpan.FromSeconds(30), a, b);
        var expected = (double)first / (first + second);
        Assert.InRange(ShareOf(a, a, b), expected - 0.01, expected + 0.01);
    }

    [Fact]
    public void Three_tenants_share_by_their_shares_too()
    {
        var a = Join(50);
        var b = Join(30);
        var c = Join(20);
        RunBusy(TimeSpan.FromSeconds(30), a, b, c);
        Assert.InRange(ShareOf(a, a, b, c), 0.49, 0.51);
        Assert.InRange(ShareOf(b, a, b, c), 0.29, 0.31);
        Assert.InRange(ShareOf(c, a, b, c), 0.19, 0.21);
    }

    [Fact]
    public void An_idle_tenants_share_goes_to_the_others_and_is_not_saved_up()
    {
        var busy = Join(30);
        var idle = Join(70);
        RunBusy(TimeSpan.FromSeconds(10), busy); // the 70% tenant has no work: the 30% one gets the whole GPU
        Assert.Equal(0, _scheduler.HeldTicks(idle.Participant));
        Assert.True(_scheduler.HeldTicks(busy.Participant) >= TimeSpan.FromSeconds(9.9).Ticks * _clock.TimestampFrequency / TimeSpan.TicksPerSecond);
        var busyBefore = _scheduler.HeldTicks(busy.Participant);
        // Back with work, the 70% tenant gets 70% from now on, not all of the GPU until it has "caught up".
        RunBusy(TimeSpan.FromSeconds(10), busy, idle);
        var busyAfter = _scheduler.HeldTicks(busy.Participant) - busyBefore;
        var idleAfter = _scheduler.HeldTicks(idle.Participant);
        Assert.InRange((double)idleAfter / (idleAfter + busyAfter), 0.68, 0.72);
    }

    [Fact]
    public void The_holder_is_asked_to_yield_only_once_its_quantum_is_over_and_someone_waits()
    {
        var a = Join(50);
        var b = Join(50);
        _scheduler.Request(a.Participant);
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.False(a.AskedToYield); // nobody waits
        _scheduler.Request(b.Participant); // level with the holder: the holder finishes the quantum it is in
        Assert.False(b.Holding);
        _clock.Advance(Quantum);
        Assert.True(a.AskedToYield);
        _scheduler.Release(a.Participant);
        Assert.True(b.Holding);
        Assert.False(b.AskedToYield);
    }

    [Fact]
    public void A_holder_keeps_the_turn_past_its_quantum_while_it_is_still_the_least_served()
    {
        var a = Join(90);
        var b = Join(10);
        _scheduler.Request(a.Participant);
        _scheduler.Request(b.Participant);
        // Both start level; after a's first quantum b is behind (less time per share): b goes next. After b's quantum,
        // a stays the least served for several quanta (nine times b's share) and is not asked to yield in between.
        _clock.Advance(Quantum);
        Assert.True(a.AskedToYield);
        _scheduler.Release(a.Participant, requeue: true);
        Assert.True(b.Holding);
        _clock.Advance(Quantum);
        Assert.True(b.AskedToYield);
        _scheduler.Release(b.Participant, requeue: true);
        Assert.True(a.Holding);
        _clock.Advance(Quantum * 5);
        Assert.False(a.AskedToYield);
    }

    [Fact]
    public void A_holder_that_does_not_yield_loses_its_turn_after_the_grace_period()
    {
        var stubborn = Join(50);
        var waiting = Join(50);
        _scheduler.Request(stubborn.Participant);
        _scheduler.Request(waiting.Participant);
        _clock.Advance(Quantum);
        Assert.True(stubborn.AskedToYield);
        _clock.Advance(Quantum - TimeSpan.FromMilliseconds(1));
        Assert.False(waiting.Holding);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, stubborn.Revocations);
        Assert.True(waiting.Holding);
        // A late give-back from the revoked tenant changes nothing.
        _scheduler.Release(stubborn.Participant);
        Assert.True(waiting.Holding);
    }

    [Fact]
    public void A_revoked_tenant_that_gives_back_late_with_more_work_gets_the_free_turn_again()
    {
        var stubborn = Join(50);
        var passing = Join(50);
        _scheduler.Request(stubborn.Participant);
        _scheduler.Request(passing.Participant);
        _clock.Advance(Quantum); // asked to yield
        _clock.Advance(Quantum); // then revoked: the other tenant holds the turn
        Assert.Equal(1, stubborn.Revocations);
        Assert.True(passing.Holding);
        _scheduler.Release(passing.Participant); // the other one is done and leaves the turn free
        // The revoked tenant's late give-back says it still has work: with nobody holding, it must get the turn.
        _scheduler.Release(stubborn.Participant, requeue: true);
        Assert.True(stubborn.Holding);
    }

    [Fact]
    public void Leaving_passes_the_turn_to_a_waiting_tenant()
    {
        var leaving = Join(50);
        var waiting = Join(50);
        _scheduler.Request(leaving.Participant);
        _scheduler.Request(waiting.Participant);
        Assert.False(waiting.Holding);
        _scheduler.Leave(leaving.Participant);
        Assert.True(waiting.Holding);
        _scheduler.Request(leaving.Participant); // after leaving, nothing it does counts
        _scheduler.Leave(waiting.Participant);
        Assert.Equal(1, leaving.Grants);
    }

    [Fact]
    public void Asking_again_while_holding_repeats_the_grant()
    {
        var a = Join(50);
        _scheduler.Request(a.Participant);
        a.Holding = false; // as if the gate had missed the news
        _scheduler.Request(a.Participant);
        Assert.True(a.Holding);
        Assert.Equal(2, a.Grants);
    }
}
