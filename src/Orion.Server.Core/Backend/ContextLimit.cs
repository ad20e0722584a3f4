namespace Orion.Server.Core.Backend;

/// <summary>A context limit; values identical to CUDA's <c>CUlimit</c>.</summary>
public enum ContextLimit
{
    StackSize = 0,
    PrintfFifoSize = 1,
    MallocHeapSize = 2,
    DevRuntimeSyncDepth = 3,
    DevRuntimePendingLaunchCount = 4,
    MaxL2FetchGranularity = 5,
    PersistingL2CacheSize = 6,
}
