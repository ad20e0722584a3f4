using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// What may not be queued on a capturing stream through Orion, although CUDA would capture it: copies
/// between the client's host memory and the device (the server stages them through a buffer of its own,
/// so a captured copy would replay that buffer, not the client's memory), host functions (the server's
/// callback reports to the client once, not at every replay) and stream-ordered allocation (the session
/// would record an address the graph owns). Such a call fails with
/// <see cref="CudaStatus.StreamCaptureUnsupported"/> before the driver sees it, and the capture goes on
/// as it was.
/// </summary>
internal static class CaptureGuard
{
    /// <summary>Null when <paramref name="stream"/> is not capturing; otherwise the refusal (or the query's failure).</summary>
    public static CudaStatus? RefuseWhileCapturing(IGpuContext context, GpuStreamHandle stream)
    {
        if (stream.IsNull)
        {
            return null; // the legacy default stream cannot capture
        }
        var status = context.GetCaptureInfo(stream, out var capture, out _, out _);
        return status != CudaStatus.Success ? status
            : capture == StreamCaptureStatus.None ? null
            : CudaStatus.StreamCaptureUnsupported;
    }
}
