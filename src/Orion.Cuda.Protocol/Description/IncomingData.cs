namespace Orion.Cuda.Protocol.Description;

/// <summary>
/// Server side of <see cref="BulkDirection.ToServer"/>: the data that follows the request, handed to
/// the call's handler. The handler takes it chunk by chunk, in order; whatever it does not take is
/// consumed and dropped after it returns, so a failed call leaves the connection in step.
/// </summary>
public abstract class IncomingData : BulkData
{
    /// <summary>Receives the next chunk (<see cref="BulkData.NextChunkBytes"/>) into native memory at <paramref name="destination"/>; returns its size.</summary>
    public abstract int ReceiveNext(nint destination);
}
