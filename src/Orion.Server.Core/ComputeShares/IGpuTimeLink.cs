namespace Orion.Server.Core.ComputeShares;

/// <summary>A session's line to the scheduler of its GPU: in the same process, or over the supervisor's socket from a worker.</summary>
internal interface IGpuTimeLink : IDisposable
{
    /// <summary>The session has work for the GPU and waits for its turn (<see cref="IGpuTimeHolder.Granted"/>).</summary>
    void Request();

    /// <summary>The session's work has drained and it gives its turn back.</summary>
    void Release();

    /// <summary>The session's work has drained and it gives its turn back, but has more and waits for its next turn.</summary>
    void Requeue();
}
