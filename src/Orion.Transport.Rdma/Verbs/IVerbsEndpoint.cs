namespace Orion.Transport.Rdma.Verbs;

/// <summary>One RC queue pair with its protection domain and completion queue.</summary>
internal interface IVerbsEndpoint : IDisposable
{
    /// <summary>Largest payload that may be posted with <see cref="SendFlags.Inline"/>.</summary>
    int MaxInlineData { get; }

    /// <summary>Client side: connects and returns the acceptor's private data. Throws <see cref="TransportException"/>.</summary>
    void Connect(ReadOnlySpan<byte> privateData, Span<byte> peerPrivateData, out int peerPrivateLength, TimeSpan timeout);

    /// <summary>Server side: accepts the request and waits until the connection is established.</summary>
    void Accept(ReadOnlySpan<byte> privateData, TimeSpan timeout);

    void Reject();

    MemoryRegion Register(nint address, long length, AccessFlags access);

    void Deregister(in MemoryRegion region);

    /// <summary>Posts all requests in one call; 0, or a negative errno with the first request not posted.</summary>
    int PostSend(ReadOnlySpan<SendWorkRequest> requests, out int badIndex);

    int PostReceive(ReadOnlySpan<ReceiveWorkRequest> requests, out int badIndex);

    /// <summary>Non-blocking: fills up to the span's length; the count, or a negative errno.</summary>
    int PollCompletions(Span<WorkCompletion> completions);

    /// <summary>Arms the completion channel and sleeps until a completion or the timeout; the caller polls afterwards.</summary>
    void WaitForCompletion(int timeoutMilliseconds);

    /// <summary>Non-blocking: whether either side (or the device) ended the connection.</summary>
    bool IsDisconnected { get; }

    void Disconnect();
}
