namespace Orion.Cuda.Protocol.Description;

/// <summary>
/// Server side of <see cref="BulkDirection.ToClient"/>: where the handler sends the call's data. A
/// handler that cannot serve the call returns its failure without announcing; otherwise it calls
/// <see cref="Announce"/> (the success reply goes out, promising every byte) and then sends chunk by
/// chunk. A failure after the promise latches (<see cref="Latch"/>) and the handler still sends the
/// chunks (zeros); whatever it leaves unsent goes as zeros after it returns, with a latched error.
/// </summary>
public abstract class OutgoingData : BulkData
{
    /// <summary>Writes the success reply announcing the data; the chunks must follow.</summary>
    public abstract void Announce();

    /// <summary>Sends the next chunk (<see cref="BulkData.NextChunkBytes"/>) from native memory at <paramref name="source"/>; returns its size.</summary>
    public abstract int SendNext(nint source);

    /// <summary>Records a failure that happened after <see cref="Announce"/>; it reaches the client with its next reply.</summary>
    public abstract void Latch(CudaStatus status);
}
