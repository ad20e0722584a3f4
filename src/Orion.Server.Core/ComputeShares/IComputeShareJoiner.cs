namespace Orion.Server.Core.ComputeShares;

/// <summary>Where a session placed on a vGPU gets its gate to the GPU's turns: the schedulers in this process, or the supervisor's.</summary>
internal interface IComputeShareJoiner
{
    /// <summary>A gate for a session with <paramref name="sharePercent"/> of backend device <paramref name="device"/>.</summary>
    ComputeShareGate Join(int device, int sharePercent, string sessionName);
}
