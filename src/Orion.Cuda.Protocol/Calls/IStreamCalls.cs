using Orion.Cuda.Protocol.Description;

namespace Orion.Cuda.Protocol.Calls;

/// <summary>Streams on the current device; creation is queued because the client chose the handle.</summary>
[RemoteCallArea("Streams")]
public interface IStreamCalls
{
    /// <summary><c>cuStreamCreateWithPriority</c>.</summary>
    [RemoteCall(56, CallMode.Asynchronous)]
    CudaStatus CreateStream([Handle(HandleKind.Stream, New = true)] ulong stream, uint flags, int priority);

    /// <summary><c>cuStreamDestroy</c>.</summary>
    [RemoteCall(57, CallMode.Asynchronous)]
    CudaStatus DestroyStream([Handle(HandleKind.Stream)] ulong stream);

    /// <summary><c>cuStreamSynchronize</c>.</summary>
    [RemoteCall(58, CallMode.Synchronous)]
    CudaStatus SynchronizeStream([Handle(HandleKind.Stream)] ulong stream);

    /// <summary><c>cuStreamQuery</c>: success when idle, <see cref="CudaStatus.NotReady"/> otherwise.</summary>
    [RemoteCall(59, CallMode.Synchronous)]
    CudaStatus QueryStream([Handle(HandleKind.Stream)] ulong stream);

    /// <summary><c>cuStreamWaitEvent</c>.</summary>
    [RemoteCall(60, CallMode.Asynchronous)]
    CudaStatus StreamWaitEvent([Handle(HandleKind.Stream)] ulong stream, [Handle(HandleKind.Event)] ulong gpuEvent, uint flags);

    /// <summary>
    /// <c>cuLaunchHostFunc</c>: the server reports the marker when the stream reaches it and the
    /// client runs the callback. Written at once: a caller may wait only for the callback.
    /// </summary>
    [RemoteCall(61, CallMode.Asynchronous, FlushAtOnce = true)]
    CudaStatus LaunchHostFunction([Handle(HandleKind.Stream)] ulong stream, [Handle(HandleKind.HostFunctionMarker, New = true)] ulong marker);
}
