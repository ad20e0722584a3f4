using System.Buffers;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Client;

// Memory: allocation, copies and memsets. Host addresses are pointers the caller keeps valid for
// the duration of the call (synchronous copies, and host-to-device copies, which send their data
// before returning) or, for an asynchronous device-to-host copy, until the next synchronizing call.
public sealed partial class RemoteCudaClient
{
    public CudaStatus Allocate(ulong bytes, out ulong address)
    {
        var call = RentCall();
        var record = Begin(Opcode.Allocate, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt64(bytes);
        var status = Complete(call, record.End().Sequence);
        address = status == CudaStatus.Success ? call.UInt64At(0) : 0;
        ReturnCall(call);
        return status;
    }

    public CudaStatus AllocatePitch(ulong widthBytes, ulong height, uint elementSizeBytes, out ulong address, out ulong pitch)
    {
        var call = RentCall();
        var record = Begin(Opcode.AllocatePitch, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt64(widthBytes);
        record.Writer.WriteUInt64(height);
        record.Writer.WriteUInt32(elementSizeBytes);
        var status = Complete(call, record.End().Sequence);
        address = status == CudaStatus.Success ? call.UInt64At(0) : 0;
        pitch = status == CudaStatus.Success ? call.UInt64At(8) : 0;
        ReturnCall(call);
        return status;
    }

    /// <summary><c>cuMemFree</c>; synchronizing, as <c>cudaFree</c> is.</summary>
    public CudaStatus Free(ulong address) => Call(Opcode.Free, address);

    /// <summary><c>cuMemAllocAsync</c>: needs the address back, so it waits for the reply.</summary>
    public CudaStatus AllocateAsync(ulong bytes, ulong stream, out ulong address)
    {
        var call = RentCall();
        var record = Begin(Opcode.AllocateAsync, RequestModes.StreamOrdered, call.RequestId);
        record.Writer.WriteUInt64(bytes);
        record.Writer.WriteUInt64(stream);
        var status = Complete(call, record.End().Sequence);
        address = status == CudaStatus.Success ? call.UInt64At(0) : 0;
        ReturnCall(call);
        return status;
    }

    /// <summary><c>cuMemFreeAsync</c>: asynchronous.</summary>
    public CudaStatus FreeAsync(ulong address, ulong stream)
    {
        var record = Begin(Opcode.FreeAsync, RequestModes.StreamOrdered);
        record.Writer.WriteUInt64(address);
        record.Writer.WriteUInt64(stream);
        return EndAsync(ref record);
    }

    /// <summary>The allocation of this session that contains <paramref name="address"/> (for <c>cudaPointerGetAttributes</c>).</summary>
    public CudaStatus GetAddressRange(ulong address, out ulong baseAddress, out ulong bytes, out int device)
    {
        var call = RentCall();
        var record = Begin(Opcode.GetAddressRange, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt64(address);
        var status = Complete(call, record.End().Sequence);
        baseAddress = call.UInt64At(0);
        bytes = call.UInt64At(8);
        device = call.Int32At(16);
        ReturnCall(call);
        return status;
    }

    // ---- 1D copies ----

    /// <summary>Host to device; waits for the server's result.</summary>
    public CudaStatus CopyHostToDevice(ulong destination, nint source, ulong bytes) =>
        SendHostData(destination, source, bytes, 0, synchronous: true);

    /// <summary>Host to device on a stream: the data is sent before returning (so the host buffer may be reused), the result latches.</summary>
    public CudaStatus CopyHostToDeviceAsync(ulong destination, nint source, ulong bytes, ulong stream) =>
        SendHostData(destination, source, bytes, stream, synchronous: false);

    private CudaStatus SendHostData(ulong destination, nint source, ulong bytes, ulong stream, bool synchronous)
    {
        if (bytes == 0)
        {
            return CudaStatus.Success;
        }
        if (source == 0 || bytes > ProtocolLimits.MaxTransferBytes)
        {
            return CudaStatus.InvalidValue;
        }
        var call = synchronous ? RentCall() : null;
        lock (_writerGate)
        {
            var record = Begin(Opcode.CopyHostToDevice, synchronous ? RequestModes.None : RequestModes.StreamOrdered, call?.RequestId ?? 0);
            record.Writer.WriteUInt64(destination);
            record.Writer.WriteUInt64(bytes);
            record.Writer.WriteUInt64(stream);
            record.End();
            // The data must follow the message that announces it, so it goes out now, with the batch.
            WriteBatchLocked();
            SendBulkLocked(source, bytes);
        }
        if (call is null)
        {
            return _failure is null ? CudaStatus.Success : ConnectionLost;
        }
        var status = AwaitReply(call);
        ReturnCall(call);
        return status;
    }

    /// <summary>Device to host into <paramref name="destination"/>; waits until the data has arrived.</summary>
    public CudaStatus CopyDeviceToHost(nint destination, ulong source, ulong bytes)
    {
        if (bytes == 0)
        {
            return CudaStatus.Success;
        }
        if (destination == 0 || bytes > ProtocolLimits.MaxTransferBytes)
        {
            return CudaStatus.InvalidValue;
        }
        var call = RentCall();
        call.Destination = destination;
        call.ExpectedBytes = bytes;
        var record = Begin(Opcode.CopyDeviceToHost, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt64(source);
        record.Writer.WriteUInt64(bytes);
        record.Writer.WriteUInt64(0);
        var status = Complete(call, record.End().Sequence);
        ReturnCall(call);
        return status;
    }

    /// <summary>
    /// Device to host on a stream, without waiting: the data lands in <paramref name="destination"/>
    /// before the next synchronizing call returns, and a failure surfaces there.
    /// </summary>
    public CudaStatus CopyDeviceToHostAsync(nint destination, ulong source, ulong bytes, ulong stream)
    {
        if (bytes == 0)
        {
            return CudaStatus.Success;
        }
        if (destination == 0 || bytes > ProtocolLimits.MaxTransferBytes)
        {
            return CudaStatus.InvalidValue;
        }
        var call = RentCall();
        call.Destination = destination;
        call.ExpectedBytes = bytes;
        call.Detached = true;
        var record = Begin(Opcode.CopyDeviceToHost, RequestModes.StreamOrdered, call.RequestId);
        record.Writer.WriteUInt64(source);
        record.Writer.WriteUInt64(bytes);
        record.Writer.WriteUInt64(stream);
        return EndAsync(ref record);
    }

    /// <summary>Device to device; synchronous, or stream-ordered when <paramref name="async"/>.</summary>
    public CudaStatus CopyDeviceToDevice(ulong destination, ulong source, ulong bytes, ulong stream = 0, bool async = false)
    {
        var call = async ? null : RentCall();
        var record = Begin(Opcode.CopyDeviceToDevice, async ? RequestModes.StreamOrdered : RequestModes.None, call?.RequestId ?? 0);
        record.Writer.WriteUInt64(destination);
        record.Writer.WriteUInt64(source);
        record.Writer.WriteUInt64(bytes);
        record.Writer.WriteUInt64(stream);
        return FinishRecord(call, ref record);
    }

    /// <summary><c>cuMemcpyPeer</c>: between devices of this server.</summary>
    public CudaStatus CopyPeer(ulong destination, int destinationDevice, ulong source, int sourceDevice, ulong bytes, ulong stream = 0, bool async = false)
    {
        if ((uint)destinationDevice >= (uint)Devices.Count || (uint)sourceDevice >= (uint)Devices.Count)
        {
            return CudaStatus.InvalidDevice;
        }
        var call = async ? null : RentCall();
        var record = Begin(Opcode.CopyPeer, async ? RequestModes.StreamOrdered : RequestModes.None, call?.RequestId ?? 0);
        record.Writer.WriteUInt64(destination);
        record.Writer.WriteUInt32((uint)destinationDevice);
        record.Writer.WriteUInt64(source);
        record.Writer.WriteUInt32((uint)sourceDevice);
        record.Writer.WriteUInt64(bytes);
        record.Writer.WriteUInt64(stream);
        return FinishRecord(call, ref record);
    }

    // ---- memset ----

    /// <summary><c>cuMemsetD8/16/32</c>: <paramref name="count"/> elements of <paramref name="elementBytes"/> (1, 2 or 4).</summary>
    public CudaStatus Memset(ulong destination, uint value, int elementBytes, ulong count, ulong stream = 0, bool async = false)
    {
        if (elementBytes is not (1 or 2 or 4))
        {
            return CudaStatus.InvalidValue;
        }
        var call = async ? null : RentCall();
        var record = Begin(Opcode.Memset, async ? RequestModes.StreamOrdered : RequestModes.None, call?.RequestId ?? 0);
        record.Writer.WriteUInt64(destination);
        record.Writer.WriteUInt32(value);
        record.Writer.WriteByte((byte)elementBytes);
        record.Writer.WriteUInt64(count);
        record.Writer.WriteUInt64(stream);
        return FinishRecord(call, ref record);
    }

    /// <summary><c>cuMemsetD2D8/16/32</c>: <paramref name="height"/> rows of <paramref name="widthElements"/> elements, <paramref name="pitch"/> bytes apart.</summary>
    public CudaStatus Memset2D(ulong destination, ulong pitch, uint value, int elementBytes, ulong widthElements, ulong height, ulong stream = 0, bool async = false)
    {
        if (elementBytes is not (1 or 2 or 4))
        {
            return CudaStatus.InvalidValue;
        }
        var call = async ? null : RentCall();
        var record = Begin(Opcode.Memset2D, async ? RequestModes.StreamOrdered : RequestModes.None, call?.RequestId ?? 0);
        record.Writer.WriteUInt64(destination);
        record.Writer.WriteUInt64(pitch);
        record.Writer.WriteUInt32(value);
        record.Writer.WriteByte((byte)elementBytes);
        record.Writer.WriteUInt64(widthElements);
        record.Writer.WriteUInt64(height);
        record.Writer.WriteUInt64(stream);
        return FinishRecord(call, ref record);
    }

    /// <summary>Ends a record that is synchronous (a call to wait for) or asynchronous (none).</summary>
    private CudaStatus FinishRecord(PendingCall? call, ref RecordBuilder record)
    {
        if (call is null)
        {
            return EndAsync(ref record);
        }
        var status = Complete(call, record.End().Sequence);
        ReturnCall(call);
        return status;
    }

    // ---- 2D copies ----

    /// <summary>
    /// <c>cuMemcpy2D</c>: <paramref name="height"/> rows of <paramref name="widthBytes"/>. Host sides
    /// are pointers in this process; host rows travel packed, and rows wider than a chunk are split
    /// into column bands. Stream-ordered when <paramref name="async"/> (a device-to-host 2D copy
    /// still waits for its data, as CUDA does for pageable memory).
    /// </summary>
    public unsafe CudaStatus Copy2D(MemoryKind sourceKind, ulong source, ulong sourcePitch, MemoryKind destinationKind, ulong destination, ulong destinationPitch,
        ulong widthBytes, ulong height, ulong stream = 0, bool async = false)
    {
        if (sourceKind is not (MemoryKind.Host or MemoryKind.Device) || destinationKind is not (MemoryKind.Host or MemoryKind.Device)
            || (height > 1 && (widthBytes > sourcePitch || widthBytes > destinationPitch)))
        {
            return CudaStatus.InvalidValue;
        }
        if (widthBytes == 0 || height == 0)
        {
            return CudaStatus.Success;
        }
        if (sourceKind == MemoryKind.Host && destinationKind == MemoryKind.Host)
        {
            for (ulong row = 0; row < height; row++)
            {
                Buffer.MemoryCopy((void*)(nint)(source + (row * sourcePitch)), (void*)(nint)(destination + (row * destinationPitch)), widthBytes, widthBytes);
            }
            return CudaStatus.Success;
        }
        if (sourceKind == MemoryKind.Device && destinationKind == MemoryKind.Device)
        {
            return Copy2DBand(sourceKind, source, sourcePitch, destinationKind, destination, destinationPitch, widthBytes, height, stream, async);
        }
        var band = (ulong)ChunkBytes;
        for (ulong column = 0; column < widthBytes; column += band)
        {
            var status = Copy2DBand(sourceKind, source + column, sourcePitch, destinationKind, destination + column, destinationPitch,
                Math.Min(band, widthBytes - column), height, stream, async);
            if (status != CudaStatus.Success)
            {
                return status;
            }
        }
        return CudaStatus.Success;
    }

    private CudaStatus Copy2DBand(MemoryKind sourceKind, ulong source, ulong sourcePitch, MemoryKind destinationKind, ulong destination, ulong destinationPitch,
        ulong width, ulong height, ulong stream, bool async)
    {
        var toHost = destinationKind == MemoryKind.Host;
        var fromHost = sourceKind == MemoryKind.Host;
        var call = async && !toHost ? null : RentCall();
        if (call is not null && toHost)
        {
            call.Destination = (nint)destination;
            call.ExpectedBytes = width * height;
            call.RowWidth = width;
            call.RowPitch = destinationPitch;
        }
        var modes = async ? RequestModes.StreamOrdered : RequestModes.None;
        if (!fromHost)
        {
            var record = Begin(Opcode.Copy2D, modes, call?.RequestId ?? 0);
            Write2D(record.Writer, sourceKind, source, sourcePitch, destinationKind, destination, destinationPitch, width, height, stream);
            return FinishRecord(call, ref record);
        }
        lock (_writerGate)
        {
            var record = Begin(Opcode.Copy2D, modes, call?.RequestId ?? 0);
            Write2D(record.Writer, sourceKind, source, sourcePitch, destinationKind, destination, destinationPitch, width, height, stream);
            record.End();
            WriteBatchLocked();
            SendRowsLocked((nint)source, sourcePitch, width, height);
        }
        if (call is null)
        {
            return _failure is null ? CudaStatus.Success : ConnectionLost;
        }
        var status = AwaitReply(call);
        ReturnCall(call);
        return status;
    }

    private static void Write2D(ProtocolWriter writer, MemoryKind sourceKind, ulong source, ulong sourcePitch, MemoryKind destinationKind, ulong destination, ulong destinationPitch,
        ulong width, ulong height, ulong stream)
    {
        writer.WriteByte((byte)sourceKind);
        writer.WriteByte((byte)destinationKind);
        writer.WriteUInt64(sourceKind == MemoryKind.Device ? source : 0);
        writer.WriteUInt64(sourcePitch);
        writer.WriteUInt64(destinationKind == MemoryKind.Device ? destination : 0);
        writer.WriteUInt64(destinationPitch);
        writer.WriteUInt64(width);
        writer.WriteUInt64(height);
        writer.WriteUInt64(stream);
    }

    /// <summary>Sends host rows packed, a group of whole rows per chunk, as the server expects them. Caller holds the writer lock.</summary>
    private unsafe void SendRowsLocked(nint source, ulong pitch, ulong width, ulong height)
    {
        var rowsPerChunk = Math.Max(1UL, (ulong)ChunkBytes / width);
        if (pitch == width)
        {
            for (ulong row = 0; row < height; row += rowsPerChunk)
            {
                SendBulkLocked(source + (nint)(row * width), Math.Min(rowsPerChunk, height - row) * width);
            }
            return;
        }
        var scratch = ArrayPool<byte>.Shared.Rent((int)(rowsPerChunk * width));
        try
        {
            fixed (byte* packed = scratch)
            {
                for (ulong row = 0; row < height; row += rowsPerChunk)
                {
                    var rows = Math.Min(rowsPerChunk, height - row);
                    for (ulong r = 0; r < rows; r++)
                    {
                        Buffer.MemoryCopy((byte*)source + ((row + r) * pitch), packed + (r * width), width, width);
                    }
                    SendBulkLocked((nint)packed, rows * width);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
