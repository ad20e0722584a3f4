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

    /// <summary>For a 2D device-to-host copy: row width and the destination's pitch (0: contiguous).</summary>
    public ulong RowWidth;
    public ulong RowPitch;

    /// <summary>Nobody waits (an asynchronous device-to-host copy): the receive loop recycles it.</summary>
    public bool Detached;

    public readonly ManualResetEventSlim Done = new(false);

    public void Dispose() => Done.Dispose();

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
    }

    // Reply fields by offset; a body too short (only a broken server sends one) reads as 0.
    public ulong UInt64At(int offset) =>
        offset + 8 <= BodyLength ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(Body.AsSpan(offset)) : 0;

    public uint UInt32At(int offset) =>
        offset + 4 <= BodyLength ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(Body.AsSpan(offset)) : 0;

    public int Int32At(int offset) => (int)UInt32At(offset);

    public float SingleAt(int offset) => BitConverter.UInt32BitsToSingle(UInt32At(offset));

    public byte ByteAt(int offset) => offset < BodyLength ? Body[offset] : (byte)0;
}
