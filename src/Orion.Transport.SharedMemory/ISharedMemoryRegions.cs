namespace Orion.Transport.SharedMemory;

/// <summary>
/// A feature of shared-memory connections (<c>connection as ISharedMemoryRegions</c>): memory beyond
/// the connection's rings that both processes map, so that data placed there needs no transfer at
/// all (the intended use: a client's pinned host buffers, which the server's GPU then reads and
/// writes directly). Other transports do not implement it; callers fall back to copies.
/// </summary>
public interface ISharedMemoryRegions
{
    /// <summary>The largest region either side accepts (<see cref="SharedMemoryTransportSettings.MaxRegionLength"/>).</summary>
    long MaxRegionLength { get; }

    /// <summary>Creates a region of <paramref name="length"/> bytes (rounded up to whole pages), maps it
    /// here and hands it to the peer, before returning; tell the peer its <see cref="SharedRegion.Id"/>.</summary>
    /// <exception cref="TransportException">The connection has failed, the length is over the limit, or the
    /// system refused the memory.</exception>
    SharedRegion CreateRegion(long length);

    /// <summary>Maps the region the peer created under <paramref name="id"/>, waiting for its descriptor
    /// to arrive if the peer's message naming it came first. Each region can be opened once.</summary>
    ValueTask<SharedRegion> OpenPeerRegionAsync(int id, CancellationToken cancellationToken = default);
}
