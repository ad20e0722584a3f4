namespace Orion.Transport.Rdma.Software;

/// <summary>A client's pending connect, handed from the connecting thread to the listener.</summary>
internal sealed class SoftwareConnectRequest(SoftwareQueuePair client, byte[] privateData)
{
    // Result: the acceptor's private data, or null when rejected or abandoned by the client.
    private readonly TaskCompletionSource<byte[]?> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SoftwareQueuePair Client { get; } = client;

    public byte[] PrivateData { get; } = privateData;

    /// <summary>Completes the request; false when the client already gave up or it was rejected.</summary>
    public bool TryAccept(byte[] acceptData) => _result.TrySetResult(acceptData);

    public void Reject() => _result.TrySetResult(null);

    /// <summary>Client side: the acceptor's private data, or null when rejected or timed out.</summary>
    public byte[]? Wait(TimeSpan timeout)
    {
        // A late accept after our timeout must fail on the server side, so settle it ourselves.
        if (!_result.Task.Wait(timeout))
        {
            _result.TrySetResult(null);
        }
        return _result.Task.Result;
    }
}
