using System.Runtime.InteropServices;
using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>orion_client.h: streams, events and host callbacks.</summary>
internal static unsafe class StreamExports
{
    [UnmanagedCallersOnly(EntryPoint = "orion_stream_create")]
    public static int Create(int device, uint flags, int priority, ulong* stream)
    {
        try
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
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_stream_create");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_stream_destroy")]
    public static int Destroy(int device, ulong stream)
    {
        try
        {
            var client = Route(device, stream, out var local, out var error);
            return client is null ? error : ExportGuard.Status(client.DestroyStream(local));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_stream_destroy");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_stream_synchronize")]
    public static int Synchronize(int device, ulong stream)
    {
        try
        {
            var client = Route(device, stream, out var local, out var error);
            return client is null ? error : ExportGuard.Status(client.SynchronizeStream(local));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_stream_synchronize");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_stream_query")]
    public static int Query(int device, ulong stream)
    {
        try
        {
            var client = Route(device, stream, out var local, out var error);
            return client is null ? error : ExportGuard.Status(client.QueryStream(local));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_stream_query");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_stream_wait_event")]
    public static int WaitEvent(int device, ulong stream, ulong gpuEvent, uint flags)
    {
        try
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
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_stream_wait_event");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_stream_add_callback")]
    public static int AddCallback(int device, ulong stream, delegate* unmanaged<ulong, int, void*, void*, void> callback, void* function,
        void* userData)
    {
        try
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
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_stream_add_callback");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_event_create")]
    public static int CreateEvent(int device, uint flags, ulong* gpuEvent)
    {
        try
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
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_event_create");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_event_destroy")]
    public static int DestroyEvent(int device, ulong gpuEvent)
    {
        try
        {
            var client = Route(device, gpuEvent, out var local, out var error);
            return client is null ? error : ExportGuard.Status(client.DestroyEvent(local));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_event_destroy");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_event_record")]
    public static int Record(int device, ulong gpuEvent, ulong stream, uint flags)
    {
        try
        {
            var runtime = ExportGuard.Runtime(out var error);
            var client = runtime?.SelectForHandle(device, gpuEvent, out gpuEvent, out error);
            if (runtime is null || client is null || runtime.SelectForHandle(device, stream, out stream, out error) is null)
            {
                return error;
            }
            return ExportGuard.Status(client.RecordEvent(gpuEvent, stream, flags));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_event_record");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_event_synchronize")]
    public static int SynchronizeEvent(int device, ulong gpuEvent)
    {
        try
        {
            var client = Route(device, gpuEvent, out var local, out var error);
            return client is null ? error : ExportGuard.Status(client.SynchronizeEvent(local));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_event_synchronize");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_event_query")]
    public static int QueryEvent(int device, ulong gpuEvent)
    {
        try
        {
            var client = Route(device, gpuEvent, out var local, out var error);
            return client is null ? error : ExportGuard.Status(client.QueryEvent(local));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_event_query");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_event_elapsed_time")]
    public static int ElapsedTime(int device, ulong start, ulong end, float* milliseconds)
    {
        try
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
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_event_elapsed_time");
        }
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
