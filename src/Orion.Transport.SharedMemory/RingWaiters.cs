namespace Orion.Transport.SharedMemory;

/// <summary>
/// The bits a side sets in its peer-visible "waiting" word before it sleeps, telling the other side
/// how to wake it: a thread asleep on the futex, or an asynchronous operation that waits for a
/// wake-up record on the connection's socket (no thread of its own to block).
/// </summary>
internal static class RingWaiters
{
    public const uint OnFutex = 1;
    public const uint OnSocket = 2;
}
