using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol.Calls;

/// <summary>
/// CUDA arrays (named by client-chosen handles), copies into and out of them, and the texture and
/// surface objects kernels read and write them through. An array position is the byte column, the row
/// and the slice of its first element; a linear side of a copy is the address of its first byte, its
/// pitch (bytes from one row to the next) and its height (rows from one slice to the next, read only
/// when more than one slice moves). Texture and surface objects are the device's own 64-bit values,
/// which kernels take as arguments; the server tracks which session made each one.
/// </summary>
[RemoteCallArea("Arrays")]
public interface IArrayCalls
{
    /// <summary>
    /// <c>cuArray3DCreate</c>: <paramref name="width"/> elements, <paramref name="height"/> rows (0: a 1D
    /// array), <paramref name="depth"/> slices or layers (0: 1D or 2D) of <paramref name="channels"/>
    /// (1, 2 or 4) channels of <paramref name="format"/>; <paramref name="flags"/> are <c>CUDA_ARRAY3D_*</c> bits.
    /// </summary>
    [RemoteCall(120, CallMode.Synchronous)]
    CudaStatus CreateArray([Handle(HandleKind.Array, New = true)] ulong array, [Limit(ArrayLimits.MaxExtent)] ulong width,
        [Limit(ArrayLimits.MaxExtent)] ulong height, [Limit(ArrayLimits.MaxExtent)] ulong depth, ArrayFormat format, uint channels, uint flags);

    /// <summary><c>cuArrayDestroy</c>.</summary>
    [RemoteCall(121, CallMode.Synchronous)]
    CudaStatus DestroyArray([Handle(HandleKind.Array)] ulong array);

    /// <summary>Host rows into one slice of an array (<c>cuMemcpy2D</c>/<c>cuMemcpy3D</c> from host memory); rows travel packed, the client splits rows wider than a chunk.</summary>
    [RemoteCall(122, CallMode.Synchronous, Bulk = BulkDirection.ToServer)]
    CudaStatus CopyHostToArray([Handle(HandleKind.Array)] ulong array, ulong xBytes, ulong y, ulong z,
        [BulkSize(BulkSizePart.RowBytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes,
        [BulkSize(BulkSizePart.Rows), Limit(ProtocolLimits.MaxTransferBytes)] ulong height, IncomingData data);

    /// <summary>The stream-ordered <see cref="CopyHostToArray"/>: the data is sent before the call returns.</summary>
    [RemoteCall(123, CallMode.Asynchronous, Bulk = BulkDirection.ToServer)]
    CudaStatus CopyHostToArrayAsync([Handle(HandleKind.Array)] ulong array, ulong xBytes, ulong y, ulong z,
        [BulkSize(BulkSizePart.RowBytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes,
        [BulkSize(BulkSizePart.Rows), Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Handle(HandleKind.Stream)] ulong stream, IncomingData data);

    /// <summary>Rows of one slice of an array to host memory; they travel packed.</summary>
    [RemoteCall(124, CallMode.Synchronous, Bulk = BulkDirection.ToClient)]
    CudaStatus CopyArrayToHost([Handle(HandleKind.Array)] ulong array, ulong xBytes, ulong y, ulong z,
        [BulkSize(BulkSizePart.RowBytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes,
        [BulkSize(BulkSizePart.Rows), Limit(ProtocolLimits.MaxTransferBytes)] ulong height, OutgoingData data);

    /// <summary>The stream-ordered <see cref="CopyArrayToHost"/>; the client waits for the data, as for <c>Copy2DDeviceToHostAsync</c>.</summary>
    [RemoteCall(125, CallMode.Synchronous, Bulk = BulkDirection.ToClient)]
    CudaStatus CopyArrayToHostAsync([Handle(HandleKind.Array)] ulong array, ulong xBytes, ulong y, ulong z,
        [BulkSize(BulkSizePart.RowBytes), Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes,
        [BulkSize(BulkSizePart.Rows), Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Handle(HandleKind.Stream)] ulong stream, OutgoingData data);

    /// <summary>A box of device memory into an array (<c>cuMemcpy3D</c>).</summary>
    [RemoteCall(126, CallMode.Synchronous)]
    CudaStatus CopyDeviceToArray([Handle(HandleKind.Array)] ulong array, ulong xBytes, ulong y, ulong z, ulong source, ulong sourcePitch, ulong sourceHeight,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Limit(ArrayLimits.MaxExtent)] ulong depth);

    /// <summary><c>cuMemcpy3DAsync</c> from device memory into an array.</summary>
    [RemoteCall(127, CallMode.Asynchronous)]
    CudaStatus CopyDeviceToArrayAsync([Handle(HandleKind.Array)] ulong array, ulong xBytes, ulong y, ulong z, ulong source, ulong sourcePitch, ulong sourceHeight,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Limit(ArrayLimits.MaxExtent)] ulong depth,
        [Handle(HandleKind.Stream)] ulong stream);

    /// <summary>A box of an array into device memory (<c>cuMemcpy3D</c>).</summary>
    [RemoteCall(128, CallMode.Synchronous)]
    CudaStatus CopyArrayToDevice(ulong destination, ulong destinationPitch, ulong destinationHeight, [Handle(HandleKind.Array)] ulong array, ulong xBytes, ulong y, ulong z,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Limit(ArrayLimits.MaxExtent)] ulong depth);

    /// <summary><c>cuMemcpy3DAsync</c> from an array into device memory.</summary>
    [RemoteCall(129, CallMode.Asynchronous)]
    CudaStatus CopyArrayToDeviceAsync(ulong destination, ulong destinationPitch, ulong destinationHeight, [Handle(HandleKind.Array)] ulong array, ulong xBytes, ulong y, ulong z,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Limit(ArrayLimits.MaxExtent)] ulong depth,
        [Handle(HandleKind.Stream)] ulong stream);

    /// <summary>A box from one array to another (<c>cuMemcpy3D</c>, <c>cuMemcpyAtoA</c>).</summary>
    [RemoteCall(130, CallMode.Synchronous)]
    CudaStatus CopyArrayToArray([Handle(HandleKind.Array)] ulong destinationArray, ulong destinationXBytes, ulong destinationY, ulong destinationZ,
        [Handle(HandleKind.Array)] ulong sourceArray, ulong sourceXBytes, ulong sourceY, ulong sourceZ,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Limit(ArrayLimits.MaxExtent)] ulong depth);

    /// <summary><c>cuMemcpy3DAsync</c> between arrays.</summary>
    [RemoteCall(131, CallMode.Asynchronous)]
    CudaStatus CopyArrayToArrayAsync([Handle(HandleKind.Array)] ulong destinationArray, ulong destinationXBytes, ulong destinationY, ulong destinationZ,
        [Handle(HandleKind.Array)] ulong sourceArray, ulong sourceXBytes, ulong sourceY, ulong sourceZ,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height, [Limit(ArrayLimits.MaxExtent)] ulong depth,
        [Handle(HandleKind.Stream)] ulong stream);

    /// <summary><c>cuTexObjectCreate</c> without a resource view: the reply carries the device's texture object value.</summary>
    [RemoteCall(132, CallMode.Synchronous)]
    CudaStatus CreateTextureObject(TextureResource resource, TextureSampling sampling, out ulong textureObject);

    /// <summary><c>cuTexObjectDestroy</c> of a texture object this session created on the current device.</summary>
    [RemoteCall(133, CallMode.Synchronous)]
    CudaStatus DestroyTextureObject(ulong textureObject);

    /// <summary><c>cuSurfObjectCreate</c> over an array made with <c>CUDA_ARRAY3D_SURFACE_LDST</c>: the reply carries the device's value.</summary>
    [RemoteCall(134, CallMode.Synchronous)]
    CudaStatus CreateSurfaceObject([Handle(HandleKind.Array)] ulong array, out ulong surfaceObject);

    /// <summary><c>cuSurfObjectDestroy</c> of a surface object this session created on the current device.</summary>
    [RemoteCall(135, CallMode.Synchronous)]
    CudaStatus DestroySurfaceObject(ulong surfaceObject);

    /// <summary><c>cuDeviceGetTexture1DLinearMaxWidth</c> of the current device.</summary>
    [RemoteCall(136, CallMode.Synchronous)]
    CudaStatus GetTexture1DLinearMaxWidth(ArrayFormat format, uint channels, out ulong width);
}
