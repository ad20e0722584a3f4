using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Remote;

/// <summary>An event on the remote device; destroyed on dispose.</summary>
public sealed class RemoteEvent : IDisposable
{
    /// <summary><c>CU_EVENT_DISABLE_TIMING</c>.</summary>
    public const uint DisableTiming = 0x2;

    private readonly RemoteCudaClient _client;
    private ulong _handle;

    internal RemoteEvent(RemoteCudaClient client, ulong handle)
    {
        _client = client;
        _handle = handle;
    }

    public ulong Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(RemoteEvent));

    /// <summary>Records the event on <paramref name="stream"/> (null: the default stream); asynchronous.</summary>
    public void Record(RemoteStream? stream = null) =>
        _client.ThrowIfFailed(_client.RecordEvent(Handle, stream?.Handle ?? 0), "cuEventRecord");

    public void Synchronize() => _client.ThrowIfFailed(_client.SynchronizeEvent(Handle), "cuEventSynchronize");

    /// <summary>True when the work before the recorded point has finished.</summary>
    public bool IsComplete
    {
        get
        {
            var status = _client.QueryEvent(Handle);
            if (status == CudaStatus.NotReady)
            {
                return false;
            }
            _client.ThrowIfFailed(status, "cuEventQuery");
            return true;
        }
    }

    /// <summary>Milliseconds between <paramref name="start"/> and this event (both recorded and complete).</summary>
    public float ElapsedSince(RemoteEvent start)
    {
        ArgumentNullException.ThrowIfNull(start);
        _client.ThrowIfFailed(_client.GetEventElapsedTime(start.Handle, Handle, out var milliseconds), "cuEventElapsedTime");
        return milliseconds;
    }

    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, 0);
        if (handle != 0 && _client.IsConnected)
        {
            _client.DestroyEvent(handle);
        }
    }
}
