using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol.Calls;

/// <summary>
/// Device memory: allocation, copies and memsets on the current device. Addresses are the remote
/// device's. Each copy and memset exists twice, as CUDA's: the plain one is synchronous, the
/// <c>Async</c> one is ordered on a stream and queued.
/// </summary>
[RemoteCallArea("Memory")]
public interface IMemoryCalls
{
    /// <summary><c>cuMemAlloc</c>. Sizes are the driver's to refuse (a 1 PiB request is out of memory, not malformed), so they have no wire limit.</summary>
    [RemoteCall(16, CallMode.Synchronous)]
    CudaStatus Allocate(ulong bytes, out ulong address);

    /// <summary><c>cuMemAllocPitch</c>.</summary>
    [RemoteCall(17, CallMode.Synchronous)]
    CudaStatus AllocatePitch(ulong widthBytes, ulong height, uint elementBytes,
        out ulong address, out ulong pitch);

    /// <summary><c>cuMemFree</c>; synchronizing, as <c>cudaFree</c> is.</summary>
    [RemoteCall(18, CallMode.Synchronous)]
    CudaStatus Free(ulong address);

    /// <summary><c>cuMemAllocAsync</c>: needs the address back, so the client waits.</summary>
    [RemoteCall(19, CallMode.Synchronous)]
    CudaStatus AllocateAsync(ulong bytes, [Handle(HandleKind.Stream)] ulong stream, out ulong address);

    /// <summary><c>cuMemFreeAsync</c>.</summary>
    [RemoteCall(20, CallMode.Asynchronous)]
    CudaStatus FreeAsync(ulong address, [Handle(HandleKind.Stream)] ulong stream);

    /// <summary>The allocation of this session that contains <paramref name="address"/> (<c>cuMemGetAddressRange</c>).</summary>
    [RemoteCall(21, CallMode.Synchronous)]
    CudaStatus GetAddressRange(ulong address, out ulong baseAddress, out ulong bytes, out int device);

    /// <summary><c>cuMemcpyHtoD</c>: the data follows the record.</summary>
    [RemoteCall(22, CallMode.Synchronous, Bulk = BulkDirection.ToServer)]
    CudaStatus CopyHostToDevice(ulong destination, [BulkSize(BulkSizePart.Bytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong bytes, IncomingData data);

    /// <summary><c>cuMemcpyHtoDAsync</c>: the data is sent before the call returns, so the host buffer may be reused.</summary>
    [RemoteCall(23, CallMode.Asynchronous, Bulk = BulkDirection.ToServer)]
    CudaStatus CopyHostToDeviceAsync(ulong destination, [BulkSize(BulkSizePart.Bytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong bytes,
        [Handle(HandleKind.Stream)] ulong stream, IncomingData data);

    /// <summary><c>cuMemcpyDtoH</c>: the data follows the reply.</summary>
    [RemoteCall(24, CallMode.Synchronous, Bulk = BulkDirection.ToClient)]
    CudaStatus CopyDeviceToHost(ulong source, [BulkSize(BulkSizePart.Bytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong bytes, OutgoingData data);

    /// <summary><c>cuMemcpyDtoHAsync</c>: the data lands before the client's next synchronizing call returns.</summary>
    [RemoteCall(25, CallMode.Asynchronous, Bulk = BulkDirection.ToClient)]
    CudaStatus CopyDeviceToHostAsync(ulong source, [BulkSize(BulkSizePart.Bytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong bytes,
        [Handle(HandleKind.Stream)] ulong stream, OutgoingData data);

    /// <summary><c>cuMemcpyDtoD</c>.</summary>
    [RemoteCall(26, CallMode.Synchronous)]
    CudaStatus CopyDeviceToDevice(ulong destination, ulong source, [Limit(ProtocolLimits.MaxTransferBytes)] ulong bytes);

    /// <summary><c>cuMemcpyDtoDAsync</c>.</summary>
    [RemoteCall(27, CallMode.Asynchronous)]
    CudaStatus CopyDeviceToDeviceAsync(ulong destination, ulong source, [Limit(ProtocolLimits.MaxTransferBytes)] ulong bytes, [Handle(HandleKind.Stream)] ulong stream);

    /// <summary><c>cuMemcpy2D</c> from host rows, which travel packed (the client splits rows wider than a chunk).</summary>
    [RemoteCall(28, CallMode.Synchronous, Bulk = BulkDirection.ToServer)]
    CudaStatus Copy2DHostToDevice(ulong destination, ulong destinationPitch,
        [BulkSize(BulkSizePart.RowBytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes,
        [BulkSize(BulkSizePart.Rows), Limit(ProtocolLimits.MaxTransferBytes)] ulong height, IncomingData data);

    /// <summary><c>cuMemcpy2DAsync</c> from host rows.</summary>
    [RemoteCall(29, CallMode.Asynchronous, Bulk = BulkDirection.ToServer)]
    CudaStatus Copy2DHostToDeviceAsync(ulong destination, ulong destinationPitch,
        [BulkSize(BulkSizePart.RowBytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes,
        [BulkSize(BulkSizePart.Rows), Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Handle(HandleKind.Stream)] ulong stream, IncomingData data);

    /// <summary><c>cuMemcpy2D</c> to host rows, which travel packed.</summary>
    [RemoteCall(30, CallMode.Synchronous, Bulk = BulkDirection.ToClient)]
    CudaStatus Copy2DDeviceToHost(ulong source, ulong sourcePitch,
        [BulkSize(BulkSizePart.RowBytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes,
        [BulkSize(BulkSizePart.Rows), Limit(ProtocolLimits.MaxTransferBytes)] ulong height, OutgoingData data);

    /// <summary>
    /// <c>cuMemcpy2DAsync</c> to host rows: ordered on the stream, but the client waits for the data,
    /// as CUDA does for a copy into pageable memory (a 2D destination is usually a strided view the
    /// program reads right after the call).
    /// </summary>
    [RemoteCall(31, CallMode.Synchronous, Bulk = BulkDirection.ToClient)]
    CudaStatus Copy2DDeviceToHostAsync(ulong source, ulong sourcePitch,
        [BulkSize(BulkSizePart.RowBytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes,
        [BulkSize(BulkSizePart.Rows), Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Handle(HandleKind.Stream)] ulong stream, OutgoingData data);

    /// <summary><c>cuMemcpy2D</c> between device allocations.</summary>
    [RemoteCall(32, CallMode.Synchronous)]
    CudaStatus Copy2DDeviceToDevice(ulong destination, ulong destinationPitch, ulong source, ulong sourcePitch,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height);

    /// <summary><c>cuMemcpy2DAsync</c> between device allocations.</summary>
    [RemoteCall(33, CallMode.Asynchronous)]
    CudaStatus Copy2DDeviceToDeviceAsync(ulong destination, ulong destinationPitch, ulong source, ulong sourcePitch,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Handle(HandleKind.Stream)] ulong stream);

    /// <summary><c>cuMemsetD8/16/32</c>: <paramref name="count"/> elements.</summary>
    [RemoteCall(34, CallMode.Synchronous)]
    CudaStatus Memset(ulong destination, uint value, MemsetElementSize elementSize, [Limit(ProtocolLimits.MaxTransferBytes)] ulong count);

    /// <summary><c>cuMemsetD8/16/32Async</c>.</summary>
    [RemoteCall(35, CallMode.Asynchronous)]
    CudaStatus MemsetAsync(ulong destination, uint value, MemsetElementSize elementSize, [Limit(ProtocolLimits.MaxTransferBytes)] ulong count,
        [Handle(HandleKind.Stream)] ulong stream);

    /// <summary><c>cuMemsetD2D8/16/32</c>: <paramref name="height"/> rows of <paramref name="widthElements"/> elements, <paramref name="pitch"/> bytes apart.</summary>
    [RemoteCall(36, CallMode.Synchronous)]
    CudaStatus Memset2D(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthElements, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height);

    /// <summary><c>cuMemsetD2D8/16/32Async</c>.</summary>
    [RemoteCall(37, CallMode.Asynchronous)]
    CudaStatus Memset2DAsync(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthElements, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Handle(HandleKind.Stream)] ulong stream);

    /// <summary><c>cuMemcpyPeer</c>: between devices of this server.</summary>
    [RemoteCall(38, CallMode.Synchronous)]
    CudaStatus CopyPeer(ulong destination, uint destinationDevice, ulong source, uint sourceDevice, [Limit(ProtocolLimits.MaxTransferBytes)] ulong bytes);

    /// <summary><c>cuMemcpyPeerAsync</c>, ordered on a stream of the source device.</summary>
    [RemoteCall(39, CallMode.Asynchronous)]
    CudaStatus CopyPeerAsync(ulong destination, uint destinationDevice, ulong source, uint sourceDevice, [Limit(ProtocolLimits.MaxTransferBytes)] ulong bytes,
        [Handle(HandleKind.Stream)] ulong stream);
}
