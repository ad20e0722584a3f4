using Microsoft.Extensions.ObjectPool;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Client;

/// <summary>
/// One request waiting for its reply. Pooled and reused, so a synchronous call allocates nothing:
/// the caller rents it, the receive loop fills it and sets <see cref="Done"/>, the caller returns it.
/// </summary>
internal sealed class PendingCall : IDisposable
{
    public uint RequestId;
    public CudaStatus Status;
    public CudaStatus AsyncStatus;
    public byte[] Body = new byte[64];
    public int BodyLength;

    /// <summary>Where device-to-host data lands (0: the reply carries none).</summary>
    public nint Destination;

    /// <summary>Bytes the request asked for: a reply announcing anything else is rejected, so a broken server cannot overrun the destination.</summary>
    public ulong ExpectedBytes;

    /// <summary>For 2D data (more than one row): row width and the destination's pitch; 0 for contiguous data.</summary>
    public ulong RowWidth;
    public ulong RowPitch;

    private volatile bool _bodyComplete;

    /// <summary>
    /// The server's reply is here in full and the call is done: only then may the caller decode
    /// <see cref="Reply"/>. A call released by a failed connection is done without a reply, and the
    /// receive loop may still be filling a reply when a failure releases its caller.
    /// </summary>
    public bool Answered => Done.IsSet && _bodyComplete;

    /// <summary>Nobody waits (an asynchronous device-to-host copy): the receive loop recycles it.</summary>
    public bool Detached;

    public readonly ManualResetEventSlim Done = new(false);

    public void Dispose() => Done.Dispose();

    /// <summary>Most calls the pool keeps between uses: more than a client's threads ever wait for at once, in practice.</summary>
    public const int MaxPooled = 256;

    /// <summary>The client's pool of calls; a call beyond <see cref="MaxPooled"/> returned to it is disposed.</summary>
    public static ObjectPool<PendingCall> CreatePool() =>
        new DefaultObjectPoolProvider { MaximumRetained = MaxPooled }.Create(new Policy());

    /// <summary>Makes calls; every call returned is kept (the client resets it when it rents it again).</summary>
    private sealed class Policy : PooledObjectPolicy<PendingCall>
    {
        public override PendingCall Create() => new();

        public override bool Return(PendingCall obj) => true;
    }

    public void Reset(uint requestId)
    {
        RequestId = requestId;
        Status = CudaStatus.Success;
        AsyncStatus = CudaStatus.Success;
        BodyLength = 0;
        Destination = 0;
        ExpectedBytes = 0;
        RowWidth = 0;
        RowPitch = 0;
        Detached = false;
        _bodyComplete = false;
        Done.Reset();
    }

    public void SetBody(ReadOnlySpan<byte> body)
    {
        if (Body.Length < body.Length)
        {
            Body = new byte[body.Length];
        }
        body.CopyTo(Body);
        BodyLength = body.Length;
        _bodyComplete = true;
    }

    /// <summary>The reply's body, to be decoded field by field (only once <see cref="Answered"/>).</summary>
    public ProtocolReader Reply => new(Body.AsSpan(0, BodyLength));

    /// <summary>The reply's data lands in <paramref name="host"/>: <paramref name="rows"/> rows of <paramref name="rowBytes"/>, <see cref="HostBuffer.Pitch"/> apart (0: packed).</summary>
    public void ExpectData(HostBuffer host, ulong rowBytes, ulong rows)
    {
        Destination = host.Address;
        ExpectedBytes = rowBytes * rows;
        if (rows > 1)
        {
            RowWidth = rowBytes;
            RowPitch = host.Pitch == 0 ? rowBytes : host.Pitch;
        }
    }
}
