using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Native;

internal sealed unsafe class NativeVerbsEndpoint : IVerbsEndpoint
{
    private readonly EndpointHandle _handle;
    // The raw pointer for the SuppressGCTransition calls; valid until Dispose, which the
    // connection calls only after its progress thread has stopped.
    private readonly nint _raw;

    public NativeVerbsEndpoint(EndpointHandle handle)
    {
        _handle = handle;
        _raw = handle.DangerousGetHandle();
        MaxInlineData = ShimMethods.MaxInline(handle);
    }

    public int MaxInlineData { get; }

    public bool IsDisconnected => ShimMethods.IsDisconnected(_raw) != 0;

    public void Connect(ReadOnlySpan<byte> privateData, Span<byte> peerPrivateData, out int peerPrivateLength, TimeSpan timeout)
    {
        var peer = stackalloc byte[ShimMethods.MaxPrivateData];
        int rc;
        byte length;
        fixed (byte* data = privateData)
        {
            rc = ShimMethods.Connect(_handle, data, checked((byte)privateData.Length), NativeVerbsProvider.ToMilliseconds(timeout), peer, out length);
        }
        if (rc != 0)
        {
            throw new TransportException(TransportError.ConnectFailed, "RDMA connect failed: " + ShimMethods.LastError());
        }
        peerPrivateLength = Math.Min(length, peerPrivateData.Length);
        new ReadOnlySpan<byte>(peer, peerPrivateLength).CopyTo(peerPrivateData);
    }

    public void Accept(ReadOnlySpan<byte> privateData, TimeSpan timeout)
    {
        fixed (byte* data = privateData)
        {
            if (ShimMethods.Accept(_handle, data, checked((byte)privateData.Length), NativeVerbsProvider.ToMilliseconds(timeout)) != 0)
            {
                throw new TransportException(TransportError.ConnectFailed, "RDMA accept failed: " + ShimMethods.LastError());
            }
        }
    }

    public void Reject() => ShimMethods.Reject(_handle);

    public MemoryRegion Register(nint address, long length, AccessFlags access)
    {
        if (ShimMethods.RegisterMemory(_handle, (ulong)address, (ulong)length, (uint)access, out var region) != 0)
        {
            throw new TransportException(TransportError.ConnectionAborted, $"Registering {length} bytes failed: {ShimMethods.LastError()}");
        }
        return new MemoryRegion(region.Handle, address, length, region.LocalKey, region.RemoteKey);
    }

    public void Deregister(in MemoryRegion region) => _ = ShimMethods.DeregisterMemory(region.Handle);

    public int PostSend(ReadOnlySpan<SendWorkRequest> requests, out int badIndex)
    {
        int bad;
        int rc;
        fixed (SendWorkRequest* p = requests)
        {
            rc = ShimMethods.PostSend(_raw, p, requests.Length, &bad);
        }
        badIndex = bad;
        return rc;
    }

    public int PostReceive(ReadOnlySpan<ReceiveWorkRequest> requests, out int badIndex)
    {
        int bad;
        int rc;
        fixed (ReceiveWorkRequest* p = requests)
        {
            rc = ShimMethods.PostReceive(_raw, p, requests.Length, &bad);
        }
        badIndex = bad;
        return rc;
    }

    public int PollCompletions(Span<WorkCompletion> completions)
    {
        fixed (WorkCompletion* p = completions)
        {
            return ShimMethods.PollCompletions(_raw, p, completions.Length);
        }
    }

    public void WaitForCompletion(int timeoutMilliseconds) => ShimMethods.WaitForCompletion(_handle, timeoutMilliseconds);

    public void Disconnect() => ShimMethods.Disconnect(_handle);

    public void Dispose() => _handle.Dispose();
}
