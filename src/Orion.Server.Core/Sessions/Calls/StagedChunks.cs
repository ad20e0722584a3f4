using Orion.Cuda.Protocol.Description;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>
/// The rules of moving a call's bulk data through the device's staging buffers: the reply announcing data goes out once
/// the first chunk is staged, and a chunk that fails after that goes as zeros with its error latched (for
/// <see cref="PipelinedCopy"/> and the arrays area); the arrays area, which moves one chunk at a time through one
/// buffer, waits for a stream-ordered chunk before reusing it.
/// </summary>
internal static class StagedChunks
{
    /// <summary>A stream-ordered chunk is waited for: the staging buffer is reused for the next one.</summary>
    public static CudaStatus Waited(IGpuContext context, CudaStatus queued, GpuStreamHandle stream) =>
        queued == CudaStatus.Success ? context.SynchronizeStream(stream) : queued;

    /// <summary>
    /// The reply goes out once the first chunk is in staging: that copy has waited for the work queued
    /// before it (host functions too, whose notifications then precede the reply, as the GPU reached
    /// them), and if it failed the failure is the call's own status, with no data. Returns that failure.
    /// </summary>
    public static CudaStatus? AnnounceAfterFirstChunk(OutgoingData data, CudaStatus copied)
    {
        if (data.Transferred > 0)
        {
            return null;
        }
        if (copied != CudaStatus.Success)
        {
            return copied;
        }
        data.Announce();
        return null;
    }

    /// <summary>Sends one staged chunk; a chunk that could not be copied goes as zeros after the reply promised it, and its error latches.</summary>
    public static unsafe void SendStaged(OutgoingData data, nint staging, int chunk, CudaStatus copied)
    {
        if (copied != CudaStatus.Success)
        {
            new Span<byte>((void*)staging, chunk).Clear();
            data.Latch(copied);
        }
        data.SendNext(staging);
    }
}
