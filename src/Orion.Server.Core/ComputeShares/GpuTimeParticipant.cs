namespace Orion.Server.Core.ComputeShares;

/// <summary>One session on a <see cref="GpuTimeScheduler"/>; its fields are the scheduler's, read and written under its lock.</summary>
internal sealed class GpuTimeParticipant(IGpuTimeHolder holder, int sharePercent, string name)
{
    public IGpuTimeHolder Holder { get; } = holder;

    /// <summary>The compute share, percent of the GPU (1..100).</summary>
    public int SharePercent { get; } = sharePercent;

    /// <summary>For logs: the session it stands for.</summary>
    public string Name { get; } = name;

    /// <summary>
    /// Stride scheduling's pass: the GPU time this participant has held, divided by its share. The waiting participant
    /// with the lowest pass goes next, so over time each holds the GPU in proportion to its share.
    /// </summary>
    public double Pass;

    public bool Waiting;

    /// <summary>When it last gave its turn back (timestamp): a request soon after is a pause between calls, not idleness.</summary>
    public long IdleSince;

    public bool Joined = true;

    /// <summary>GPU time held in all, in timestamp ticks (for snapshots and tests).</summary>
    public long HeldTicks;
}
