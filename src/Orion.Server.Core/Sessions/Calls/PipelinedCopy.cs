using Orion.Cuda.Protocol.Description;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>
/// Copies between the client's data and device memory through the session's <see cref="StagingRing"/>, the network and
/// the GPU overlapped. To the device: chunk k+1 is received into one buffer while chunk k's stream-ordered copy runs from
/// the other. From the device: the GPU copies chunk k+1 into one buffer while chunk k is sent from the other. Every copy
/// is queued on the call's stream (the legacy default stream for the synchronous calls, which wait for all of theirs
/// before returning, as <c>cuMemcpyHtoD</c> does); the call returns once each of its copies is complete, so its status
/// is what it was when each chunk was copied and waited for in turn. The copy's shape (1D, rows) is a struct, so none of
/// this allocates.
/// </summary>
internal static class PipelinedCopy
{
    /// <summary>Queues one chunk's copy between a staging buffer and device memory.</summary>
    public interface IChunkCopy
    {
        /// <summary>Queues the copy of the chunk that starts <paramref name="offset"/> bytes into the data (packed rows for 2D).</summary>
        CudaStatus Queue(nint staging, ulong offset, int chunk, GpuStreamHandle stream);
    }

    /// <summary>Receives the call's data chunk by chunk and queues each chunk's copy to the device; returns the first failure.</summary>
    public static CudaStatus ToDevice<TCopy>(StagingRing ring, IncomingData data, GpuStreamHandle stream, TCopy copy)
        where TCopy : struct, IChunkCopy
    {
        var status = CudaStatus.Success;
        for (var slot = 0; data.Remaining > 0; slot = (slot + 1) % StagingRing.Depth)
        {
            // The buffer's previous copy must be done before the network overwrites it; the other buffer's ran meanwhile.
            status = ring.WaitFor(slot);
            if (status != CudaStatus.Success)
            {
                break;
            }
            var offset = data.Transferred;
            var chunk = data.ReceiveNext(ring[slot]);
            status = copy.Queue(ring[slot], offset, chunk, stream);
            if (status != CudaStatus.Success)
            {
                break; // the rest of the data is dropped after the handler returns
            }
            status = ring.Queued(slot, stream);
            if (status != CudaStatus.Success)
            {
                break;
            }
        }
        var drained = ring.WaitAll();
        return status != CudaStatus.Success ? status : drained;
    }

    /// <summary>
    /// Queues the copies of the first chunks, then sends each as it completes and queues the next into its buffer. The
    /// reply goes out once the first chunk is staged (<see cref="StagedChunks.AnnounceAfterFirstChunk"/>); a later chunk
    /// that fails goes as zeros with its error latched.
    /// </summary>
    public static CudaStatus FromDevice<TCopy>(StagingRing ring, OutgoingData data, GpuStreamHandle stream, TCopy copy)
        where TCopy : struct, IChunkCopy
    {
        Span<CudaStatus> queued = stackalloc CudaStatus[StagingRing.Depth];
        var layout = data.Layout;
        ulong next = 0;
        try
        {
            for (var slot = 0; slot < StagingRing.Depth && next < layout.TotalBytes; slot++)
            {
                queued[slot] = Queue(ring, slot, copy, next, layout.ChunkAt(next), stream);
                next += (ulong)layout.ChunkAt(next);
            }
            for (var slot = 0; data.Remaining > 0; slot = (slot + 1) % StagingRing.Depth)
            {
                var chunk = data.NextChunkBytes;
                var copied = queued[slot] == CudaStatus.Success ? ring.WaitFor(slot) : queued[slot];
                if (StagedChunks.AnnounceAfterFirstChunk(data, copied) is { } failed)
                {
                    return failed;
                }
                // While this chunk goes to the client, the GPU copies the next one into the other buffer.
                StagedChunks.SendStaged(data, ring[slot], chunk, copied);
                if (next < layout.TotalBytes)
                {
                    var following = layout.ChunkAt(next);
                    queued[slot] = Queue(ring, slot, copy, next, following, stream);
                    next += (ulong)following;
                }
            }
            return CudaStatus.Success;
        }
        finally
        {
            ring.WaitAll(); // leave no copy running into a buffer the next call may use
        }
    }

    private static CudaStatus Queue<TCopy>(StagingRing ring, int slot, TCopy copy, ulong offset, int chunk, GpuStreamHandle stream)
        where TCopy : struct, IChunkCopy
    {
        var status = copy.Queue(ring[slot], offset, chunk, stream);
        return status == CudaStatus.Success ? ring.Queued(slot, stream) : status;
    }

    /// <summary>Contiguous host data to device memory at <see cref="Destination"/>.</summary>
    public readonly record struct LinearToDevice(IGpuContext Context, ulong Destination) : IChunkCopy
    {
        public CudaStatus Queue(nint staging, ulong offset, int chunk, GpuStreamHandle stream) =>
            Context.CopyHostToDeviceAsync(Destination + offset, staging, (ulong)chunk, stream);
    }

    /// <summary>Device memory at <see cref="Source"/> to contiguous host data.</summary>
    public readonly record struct LinearFromDevice(IGpuContext Context, ulong Source) : IChunkCopy
    {
        public CudaStatus Queue(nint staging, ulong offset, int chunk, GpuStreamHandle stream) =>
            Context.CopyDeviceToHostAsync(staging, Source + offset, (ulong)chunk, stream);
    }

    /// <summary>Packed host rows of <see cref="Width"/> bytes to device rows <see cref="Pitch"/> apart from <see cref="Destination"/>.</summary>
    public readonly record struct RowsToDevice(IGpuContext Context, ulong Destination, ulong Pitch, ulong Width) : IChunkCopy
    {
        public CudaStatus Queue(nint staging, ulong offset, int chunk, GpuStreamHandle stream) =>
            Context.Copy2DAsync(new MemoryCopy2D(MemoryLocation.Host, (ulong)staging, Width, MemoryLocation.Device,
                Destination + (offset / Width * Pitch), Pitch, Width, (ulong)chunk / Width), stream);
    }

    /// <summary>Device rows <see cref="Pitch"/> apart from <see cref="Source"/> to packed host rows of <see cref="Width"/> bytes.</summary>
    public readonly record struct RowsFromDevice(IGpuContext Context, ulong Source, ulong Pitch, ulong Width) : IChunkCopy
    {
        public CudaStatus Queue(nint staging, ulong offset, int chunk, GpuStreamHandle stream) =>
            Context.Copy2DAsync(new MemoryCopy2D(MemoryLocation.Device, Source + (offset / Width * Pitch), Pitch, MemoryLocation.Host,
                (ulong)staging, Width, Width, (ulong)chunk / Width), stream);
    }
}
