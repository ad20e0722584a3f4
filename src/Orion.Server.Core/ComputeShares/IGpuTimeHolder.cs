namespace Orion.Server.Core.ComputeShares;

/// <summary>
/// What the scheduler tells a session about its turn on the GPU. Called under the scheduler's lock, in the order the
/// scheduler decided, so an implementation must only record the news (set a flag, queue a byte) and never block.
/// </summary>
internal interface IGpuTimeHolder
{
    /// <summary>The session may submit work to the GPU.</summary>
    void Granted();

    /// <summary>The session's quantum is over and another session waits: it should let its work drain and give the turn back.</summary>
    void YieldRequested();

    /// <summary>The turn was taken back (the session did not give it back within the grace period after a yield request).</summary>
    void Revoked();
}
