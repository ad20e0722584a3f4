namespace Orion.Cuda.Remote.Client;

// Memory: allocation, copies and memsets. Host addresses are pointers the caller keeps valid for
// the duration of the call (synchronous copies, and host-to-device copies, which send their data
// before returning) or, for an asynchronous device-to-host copy, until the next synchronizing call.
public sealed partial class RemoteCudaClient
{
    // An allocating call that reports a failure (its own, or an earlier asynchronous one surfacing
    // with it) gives no address, as cuMemAlloc does not.

    public CudaStatus Allocate(ulong bytes, out ulong address)
    {
        var status = Remote.Allocate(bytes, out address);
        address = status == CudaStatus.Success ? address : 0;
        return status;
    }

    public CudaStatus AllocatePitch(ulong widthBytes, ulong height, uint elementSizeBytes, out ulong address, out ulong pitch)
    {
        var status = Remote.AllocatePitch(widthBytes, height, elementSizeBytes, out address, out pitch);
        (address, pitch) = status == CudaStatus.Success ? (address, pitch) : (0, 0);
        return status;
    }

    /// <summary><c>cuMemFree</c>; synchronizing, as <c>cudaFree</c> is.</summary>
    public CudaStatus Free(ulong address) => Remote.Free(address);

    /// <summary><c>cuMemAllocAsync</c>: needs the address back, so it waits for the reply.</summary>
    public CudaStatus AllocateAsync(ulong bytes, ulong stream, out ulong address)
    {
        address = 0;
        var status = RefuseWhileCapturing(stream) ?? Remote.AllocateAsync(bytes, stream, out address);
        address = status == CudaStatus.Success ? address : 0;
        return status;
    }

    /// <summary><c>cuMemFreeAsync</c>: asynchronous.</summary>
    public CudaStatus FreeAsync(ulong address, ulong stream) => RefuseWhileCapturing(stream) ?? Remote.FreeAsync(address, stream);

    /// <summary>The allocation of this session that contains <paramref name="address"/> (for <c>cudaPointerGetAttributes</c>).</summary>
    public CudaStatus GetAddressRange(ulong address, out ulong baseAddress, out ulong bytes, out int device) =>
        Remote.GetAddressRange(address, out baseAddress, out bytes, out device);

    // ---- 1D copies ----

    /// <summary>Host to device; waits for the server's result.</summary>
    public CudaStatus CopyHostToDevice(ulong destination, nint source, ulong bytes) =>
        CheckHostTransfer(source, bytes) ?? Remote.CopyHostToDevice(destination, bytes, new HostBuffer(source));

    /// <summary>Host to device on a stream: the data is sent before returning (so the host buffer may be reused), the result latches.</summary>
    public CudaStatus CopyHostToDeviceAsync(ulong destination, nint source, ulong bytes, ulong stream) =>
        CheckHostTransfer(source, bytes) ?? RefuseWhileCapturing(stream) ?? Remote.CopyHostToDeviceAsync(destination, bytes, stream, new HostBuffer(source));

    /// <summary>Device to host into <paramref name="destination"/>; waits until the data has arrived.</summary>
    public CudaStatus CopyDeviceToHost(nint destination, ulong source, ulong bytes) =>
        CheckHostTransfer(destination, bytes) ?? Remote.CopyDeviceToHost(source, bytes, new HostBuffer(destination));

    /// <summary>
    /// Device to host on a stream, without waiting: the data lands in <paramref name="destination"/>
    /// before the next synchronizing call returns, and a failure surfaces there.
    /// </summary>
    public CudaStatus CopyDeviceToHostAsync(nint destination, ulong source, ulong bytes, ulong stream) =>
        CheckHostTransfer(destination, bytes) ?? RefuseWhileCapturing(stream) ?? Remote.CopyDeviceToHostAsync(source, bytes, stream, new HostBuffer(destination));

    /// <summary>Nothing to move is success without a round trip; a missing host buffer is refused here (sizes over the limit by the encoder).</summary>
    private static CudaStatus? CheckHostTransfer(nint host, ulong bytes) =>
        bytes == 0 ? CudaStatus.Success
        : host == 0 ? CudaStatus.InvalidValue
        : null;

    /// <summary>Device to device; synchronous, or stream-ordered when <paramref name="async"/>.</summary>
    public CudaStatus CopyDeviceToDevice(ulong destination, ulong source, ulong bytes, ulong stream = 0, bool async = false) =>
        async ? Remote.CopyDeviceToDeviceAsync(destination, source, bytes, stream) : Remote.CopyDeviceToDevice(destination, source, bytes);

    /// <summary><c>cuMemcpyPeer</c>: between devices of this server.</summary>
    public CudaStatus CopyPeer(ulong destination, int destinationDevice, ulong source, int sourceDevice, ulong bytes, ulong stream = 0, bool async = false)
    {
        if ((uint)destinationDevice >= (uint)Devices.Count || (uint)sourceDevice >= (uint)Devices.Count)
        {
            return CudaStatus.InvalidDevice;
        }
        return async
            ? Remote.CopyPeerAsync(destination, (uint)destinationDevice, source, (uint)sourceDevice, bytes, stream)
            : Remote.CopyPeer(destination, (uint)destinationDevice, source, (uint)sourceDevice, bytes);
    }

    // ---- memset ----

    /// <summary><c>cuMemsetD8/16/32</c>: <paramref name="count"/> elements of <paramref name="elementBytes"/> (1, 2 or 4).</summary>
    public CudaStatus Memset(ulong destination, uint value, int elementBytes, ulong count, ulong stream = 0, bool async = false)
    {
        if (elementBytes is not (1 or 2 or 4))
        {
            return CudaStatus.InvalidValue;
        }
        var size = (MemsetElementSize)elementBytes;
        return async ? Remote.MemsetAsync(destination, value, size, count, stream) : Remote.Memset(destination, value, size, count);
    }

    /// <summary><c>cuMemsetD2D8/16/32</c>: <paramref name="height"/> rows of <paramref name="widthElements"/> elements, <paramref name="pitch"/> bytes apart.</summary>
    public CudaStatus Memset2D(ulong destination, ulong pitch, uint value, int elementBytes, ulong widthElements, ulong height, ulong stream = 0, bool async = false)
    {
        if (elementBytes is not (1 or 2 or 4))
        {
            return CudaStatus.InvalidValue;
        }
        var size = (MemsetElementSize)elementBytes;
        return async
            ? Remote.Memset2DAsync(destination, pitch, value, size, widthElements, height, stream)
            : Remote.Memset2D(destination, pitch, value, size, widthElements, height);
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
        if (async && (sourceKind == MemoryKind.Host || destinationKind == MemoryKind.Host) && RefuseWhileCapturing(stream) is { } capturing)
        {
            return capturing;
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
            return async
                ? Remote.Copy2DDeviceToDeviceAsync(destination, destinationPitch, source, sourcePitch, widthBytes, height, stream)
                : Remote.Copy2DDeviceToDevice(destination, destinationPitch, source, sourcePitch, widthBytes, height);
        }
        // One side is host memory: its rows travel packed, in chunks of whole rows, so rows wider
        // than a chunk go as column bands.
        var band = (ulong)ChunkBytes;
        for (ulong column = 0; column < widthBytes; column += band)
        {
            var width = Math.Min(band, widthBytes - column);
            var status = sourceKind == MemoryKind.Host
                ? async
                    ? Remote.Copy2DHostToDeviceAsync(destination + column, destinationPitch, width, height, stream, new HostBuffer((nint)(source + column), sourcePitch))
                    : Remote.Copy2DHostToDevice(destination + column, destinationPitch, width, height, new HostBuffer((nint)(source + column), sourcePitch))
                : async
                    ? Remote.Copy2DDeviceToHostAsync(source + column, sourcePitch, width, height, stream, new HostBuffer((nint)(destination + column), destinationPitch))
                    : Remote.Copy2DDeviceToHost(source + column, sourcePitch, width, height, new HostBuffer((nint)(destination + column), destinationPitch));
            if (status != CudaStatus.Success)
            {
                return status;
            }
        }
        return CudaStatus.Success;
    }
}
