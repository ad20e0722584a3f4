using Orion.Cuda.Protocol.Description;

namespace Orion.Cuda.Protocol.Calls;

/// <summary>Events; creation is queued because the client chose the handle.</summary>
[RemoteCallArea("Events")]
public interface IEventCalls
{
    /// <summary><c>cuEventCreate</c>.</summary>
    [RemoteCall(64, CallMode.Asynchronous)]
    CudaStatus CreateEvent([Handle(HandleKind.Event, New = true)] ulong gpuEvent, uint flags);

    /// <summary><c>cuEventDestroy</c>.</summary>
    [RemoteCall(65, CallMode.Asynchronous)]
    CudaStatus DestroyEvent([Handle(HandleKind.Event)] ulong gpuEvent);

    /// <summary><c>cuEventRecordWithFlags</c> (flags 0: <c>cuEventRecord</c>).</summary>
    [RemoteCall(66, CallMode.Asynchronous)]
    CudaStatus RecordEvent([Handle(HandleKind.Event)] ulong gpuEvent, [Handle(HandleKind.Stream)] ulong stream, uint flags);

    /// <summary><c>cuEventSynchronize</c>.</summary>
    [RemoteCall(67, CallMode.Synchronous)]
    CudaStatus SynchronizeEvent([Handle(HandleKind.Event)] ulong gpuEvent);

    /// <summary><c>cuEventQuery</c>.</summary>
    [RemoteCall(68, CallMode.Synchronous)]
    CudaStatus QueryEvent([Handle(HandleKind.Event)] ulong gpuEvent);

    /// <summary><c>cuEventElapsedTime</c>.</summary>
    [RemoteCall(69, CallMode.Synchronous)]
    CudaStatus GetEventElapsedTime([Handle(HandleKind.Event)] ulong startEvent, [Handle(HandleKind.Event)] ulong endEvent, out float milliseconds);
}
