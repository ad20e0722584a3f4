using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>orion_client.h: streams, events and host callbacks.</summary>
internal static unsafe partial class ClientAbi
{
    public static int StreamCreate(int device, uint flags, int priority, ulong* stream)
    {
        var runtime = ExportGuard.Runtime(out var error);
        var client = runtime?.Select(device, out error);
        if (runtime is null || client is null || stream is null)
        {
            return stream is null ? CudaErrorCodes.InvalidValue : error;
        }
        var status = client.CreateStream(flags, priority, out var handle);
        *stream = runtime.ExportHandle(device, handle);
        return ExportGuard.Status(status);
    }

    public static int StreamDestroy(int device, ulong stream)
    {
        var client = Route(device, stream, out var local, out var error);
        return client is null ? error : ExportGuard.Status(client.DestroyStream(local));
    }

    public static int StreamSynchronize(int device, ulong stream)
    {
        var client = Route(device, stream, out var local, out var error);
        return client is null ? error : ExportGuard.Status(client.SynchronizeStream(local));
    }

    public static int StreamQuery(int device, ulong stream)
    {
        var client = Route(device, stream, out var local, out var error);
        return client is null ? error : ExportGuard.Status(client.QueryStream(local));
    }

    public static int StreamWaitEvent(int device, ulong stream, ulong gpuEvent, uint flags)
    {
        var runtime = ExportGuard.Runtime(out var error);
        var client = runtime?.SelectForHandle(device, stream, out stream, out error);
        var eventClient = runtime?.SelectForHandle(device, gpuEvent, out gpuEvent, out error);
        if (client is null || eventClient is null)
        {
            return error;
        }
        if (!ReferenceEquals(client, eventClient))
        {
            NativeLog.Write(NativeLogLevel.Warn, "cudaStreamWaitEvent across two Orion servers is not supported");
            return CudaErrorCodes.NotSupported;
        }
        return ExportGuard.Status(client.StreamWaitEvent(stream, gpuEvent, flags));
    }

    public static int StreamAddCallback(int device, ulong stream, delegate* unmanaged<ulong, int, void*, void*, void> callback, void* function,
        void* userData)
    {
        if (callback is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var exported = stream;
        var client = Route(device, stream, out var local, out var error);
        if (client is null)
        {
            return error;
        }
        // Callbacks are rare (not a hot path), so a small closure per call is acceptable.
        var trampoline = new HostCallback(callback, exported, function, userData);
        return ExportGuard.Status(client.LaunchHostFunction(local, trampoline.Invoke, 0));
    }

    public static int EventCreate(int device, uint flags, ulong* gpuEvent)
    {
        var runtime = ExportGuard.Runtime(out var error);
        var client = runtime?.Select(device, out error);
        if (runtime is null || client is null || gpuEvent is null)
        {
            return gpuEvent is null ? CudaErrorCodes.InvalidValue : error;
        }
        var status = client.CreateEvent(flags, out var handle);
        *gpuEvent = runtime.ExportHandle(device, handle);
        return ExportGuard.Status(status);
    }

    public static int EventDestroy(int device, ulong gpuEvent)
    {
        var client = Route(device, gpuEvent, out var local, out var error);
        return client is null ? error : ExportGuard.Status(client.DestroyEvent(local));
    }

    public static int EventRecord(int device, ulong gpuEvent, ulong stream, uint flags)
    {
        var runtime = ExportGuard.Runtime(out var error);
        var client = runtime?.SelectForHandle(device, gpuEvent, out gpuEvent, out error);
        if (runtime is null || client is null || runtime.SelectForHandle(device, stream, out stream, out error) is null)
        {
            return error;
        }
        return ExportGuard.Status(client.RecordEvent(gpuEvent, stream, flags));
    }

    public static int EventSynchronize(int device, ulong gpuEvent)
    {
        var client = Route(device, gpuEvent, out var local, out var error);
        return client is null ? error : ExportGuard.Status(client.SynchronizeEvent(local));
    }

    public static int EventQuery(int device, ulong gpuEvent)
    {
        var client = Route(device, gpuEvent, out var local, out var error);
        return client is null ? error : ExportGuard.Status(client.QueryEvent(local));
    }

    public static int EventElapsedTime(int device, ulong start, ulong end, float* milliseconds)
    {
        if (milliseconds is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var runtime = ExportGuard.Runtime(out var error);
        var client = runtime?.SelectForHandle(device, start, out start, out error);
        if (runtime is null || client is null || runtime.SelectForHandle(device, end, out end, out error) is null)
        {
            return error;
        }
        var status = client.GetEventElapsedTime(start, end, out var result);
        *milliseconds = result;
        return ExportGuard.Status(status);
    }

    private static RemoteCudaClient? Route(int device, ulong handle, out ulong local, out int error)
    {
        local = 0;
        var runtime = ExportGuard.Runtime(out error);
        return runtime?.SelectForHandle(device, handle, out local, out error);
    }

    /// <summary>Calls the stub's C trampoline from the client's callback thread.</summary>
    private sealed class HostCallback(delegate* unmanaged<ulong, int, void*, void*, void> callback, ulong stream, void* function, void* userData)
    {
        private readonly delegate* unmanaged<ulong, int, void*, void*, void> _callback = callback;
        private readonly ulong _stream = stream;
        private readonly void* _function = function;
        private readonly void* _userData = userData;

        public void Invoke(nint unused) => _callback(_stream, 0, _function, _userData);
    }
}
