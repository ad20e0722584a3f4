using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Remote;

/// <summary>A stream on the remote device; destroyed on dispose.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A CUDA stream, as CUDA names it; not a System.IO.Stream.")]
public sealed class RemoteStream : IDisposable
{
    private readonly RemoteCudaClient _client;
    private ulong _handle;

    internal RemoteStream(RemoteCudaClient client, ulong handle)
    {
        _client = client;
        _handle = handle;
    }

    public ulong Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(RemoteStream));

    public void Synchronize() => _client.ThrowIfFailed(_client.SynchronizeStream(Handle), "cuStreamSynchronize");

    /// <summary>True when all work queued on the stream has finished.</summary>
    public bool IsIdle
    {
        get
        {
            var status = _client.QueryStream(Handle);
            if (status == CudaStatus.NotReady)
            {
                return false;
            }
            _client.ThrowIfFailed(status, "cuStreamQuery");
            return true;
        }
    }

    /// <summary>Later work on this stream waits until <paramref name="gpuEvent"/> has completed.</summary>
    public void Wait(RemoteEvent gpuEvent)
    {
        ArgumentNullException.ThrowIfNull(gpuEvent);
        _client.ThrowIfFailed(_client.StreamWaitEvent(Handle, gpuEvent.Handle), "cuStreamWaitEvent");
    }

    /// <summary>Runs <paramref name="callback"/> here once the stream has reached this point on the server;
    /// as in CUDA, the callback must not make CUDA calls.</summary>
    public void LaunchHostFunction(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _client.ThrowIfFailed(_client.LaunchHostFunction(Handle, _ => callback(), 0), "cuLaunchHostFunc");
    }

    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, 0);
        if (handle != 0 && _client.IsConnected)
        {
            _client.DestroyStream(handle);
        }
    }
}
