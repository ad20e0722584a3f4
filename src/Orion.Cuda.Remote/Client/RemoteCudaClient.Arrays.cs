namespace Orion.Cuda.Remote.Client;

// CUDA arrays, box copies into and out of them, texture and surface objects. Array handles are chosen
// here, like stream handles; texture and surface objects are the device's own values, which kernels
// take as arguments.
public sealed partial class RemoteCudaClient
{
    /// <summary>
    /// <c>cuArray3DCreate</c>: <paramref name="width"/> elements, <paramref name="height"/> rows (0: 1D),
    /// <paramref name="depth"/> slices or layers (0: 1D or 2D) of <paramref name="channels"/> channels of
    /// <paramref name="format"/>; <paramref name="flags"/> are <c>CUDA_ARRAY3D_*</c> bits. Synchronous.
    /// </summary>
    public CudaStatus CreateArray(ulong width, ulong height, ulong depth, ArrayFormat format, uint channels, uint flags, out ulong array)
    {
        array = 0;
        // An undefined format would be a malformed record that ends the session: refuse it here.
        if (ArrayFormats.ElementBytes(format, channels) == 0)
        {
            return CudaStatus.InvalidValue;
        }
        var handle = NewHandle();
        var status = Remote.CreateArray(handle, width, height, depth, format, channels, flags);
        array = status == CudaStatus.Success ? handle : 0;
        return status;
    }

    /// <summary><c>cuArrayDestroy</c>.</summary>
    public CudaStatus DestroyArray(ulong array) => Remote.DestroyArray(array);

    /// <summary>
    /// A box of host memory of this process into an array. Host rows travel packed, one record per
    /// slice, and rows wider than a chunk as column bands. Stream-ordered when <paramref name="async"/>;
    /// the data is sent before returning either way, so the host memory may be reused at once.
    /// </summary>
    public CudaStatus CopyHostToArray(ArrayPosition destination, PitchedMemory source, CopyExtent extent, ulong stream = 0, bool async = false)
    {
        if (CheckHostBox(source, extent) is { } refused)
        {
            return refused;
        }
        return ForEachBand(source, extent, (host, column, slice, width) => async
            ? Remote.CopyHostToArrayAsync(destination.Array, destination.XBytes + column, destination.Y, destination.Z + slice, width, extent.Height, stream, host)
            : Remote.CopyHostToArray(destination.Array, destination.XBytes + column, destination.Y, destination.Z + slice, width, extent.Height, host));
    }

    /// <summary>
    /// A box of an array into host memory of this process; waits until the data has arrived, stream-ordered
    /// or not (as CUDA does for pageable memory).
    /// </summary>
    public CudaStatus CopyArrayToHost(PitchedMemory destination, ArrayPosition source, CopyExtent extent, ulong stream = 0, bool async = false)
    {
        if (CheckHostBox(destination, extent) is { } refused)
        {
            return refused;
        }
        return ForEachBand(destination, extent, (host, column, slice, width) => async
            ? Remote.CopyArrayToHostAsync(source.Array, source.XBytes + column, source.Y, source.Z + slice, width, extent.Height, stream, host)
            : Remote.CopyArrayToHost(source.Array, source.XBytes + column, source.Y, source.Z + slice, width, extent.Height, host));
    }

    /// <summary>A box of device memory into an array; synchronous, or stream-ordered and queued when <paramref name="async"/>.</summary>
    public CudaStatus CopyDeviceToArray(ArrayPosition destination, PitchedMemory source, CopyExtent extent, ulong stream = 0, bool async = false) =>
        extent.IsEmpty ? CudaStatus.Success
        : async
            ? Remote.CopyDeviceToArrayAsync(destination.Array, destination.XBytes, destination.Y, destination.Z, source.Address, source.Pitch, source.Height,
                extent.WidthBytes, extent.Height, extent.Depth, stream)
            : Remote.CopyDeviceToArray(destination.Array, destination.XBytes, destination.Y, destination.Z, source.Address, source.Pitch, source.Height,
                extent.WidthBytes, extent.Height, extent.Depth);

    /// <summary>A box of an array into device memory.</summary>
    public CudaStatus CopyArrayToDevice(PitchedMemory destination, ArrayPosition source, CopyExtent extent, ulong stream = 0, bool async = false) =>
        extent.IsEmpty ? CudaStatus.Success
        : async
            ? Remote.CopyArrayToDeviceAsync(destination.Address, destination.Pitch, destination.Height, source.Array, source.XBytes, source.Y, source.Z,
                extent.WidthBytes, extent.Height, extent.Depth, stream)
            : Remote.CopyArrayToDevice(destination.Address, destination.Pitch, destination.Height, source.Array, source.XBytes, source.Y, source.Z,
                extent.WidthBytes, extent.Height, extent.Depth);

    /// <summary>A box from one array to another.</summary>
    public CudaStatus CopyArrayToArray(ArrayPosition destination, ArrayPosition source, CopyExtent extent, ulong stream = 0, bool async = false) =>
        extent.IsEmpty ? CudaStatus.Success
        : async
            ? Remote.CopyArrayToArrayAsync(destination.Array, destination.XBytes, destination.Y, destination.Z, source.Array, source.XBytes, source.Y, source.Z,
                extent.WidthBytes, extent.Height, extent.Depth, stream)
            : Remote.CopyArrayToArray(destination.Array, destination.XBytes, destination.Y, destination.Z, source.Array, source.XBytes, source.Y, source.Z,
                extent.WidthBytes, extent.Height, extent.Depth);

    /// <summary><c>cuTexObjectCreate</c> (no resource view): <paramref name="textureObject"/> is the device's value, for kernels.</summary>
    public CudaStatus CreateTextureObject(in TextureResource resource, in TextureSampling sampling, out ulong textureObject)
    {
        var status = Remote.CreateTextureObject(resource, sampling, out textureObject);
        textureObject = status == CudaStatus.Success ? textureObject : 0;
        return status;
    }

    /// <summary><c>cuTexObjectDestroy</c>: only an object this session made on the current device.</summary>
    public CudaStatus DestroyTextureObject(ulong textureObject) => Remote.DestroyTextureObject(textureObject);

    /// <summary><c>cuSurfObjectCreate</c> over an array made with <c>CUDA_ARRAY3D_SURFACE_LDST</c>.</summary>
    public CudaStatus CreateSurfaceObject(ulong array, out ulong surfaceObject)
    {
        var status = Remote.CreateSurfaceObject(array, out surfaceObject);
        surfaceObject = status == CudaStatus.Success ? surfaceObject : 0;
        return status;
    }

    /// <summary><c>cuSurfObjectDestroy</c>: only an object this session made on the current device.</summary>
    public CudaStatus DestroySurfaceObject(ulong surfaceObject) => Remote.DestroySurfaceObject(surfaceObject);

    /// <summary><c>cuDeviceGetTexture1DLinearMaxWidth</c> of the current device.</summary>
    public CudaStatus GetTexture1DLinearMaxWidth(ArrayFormat format, uint channels, out ulong width)
    {
        width = 0;
        return ArrayFormats.ElementBytes(format, channels) == 0 ? CudaStatus.InvalidValue : Remote.GetTexture1DLinearMaxWidth(format, channels, out width);
    }

    /// <summary>A host box must have a buffer, rows that fit their pitch and slices that fit their height; an empty box is success without a round trip.</summary>
    private static CudaStatus? CheckHostBox(PitchedMemory host, CopyExtent extent) =>
        extent.IsEmpty ? CudaStatus.Success
        : host.Address == 0 ? CudaStatus.InvalidValue
        : ((extent.Height > 1 || extent.Depth > 1) && extent.WidthBytes > host.Pitch) || (extent.Depth > 1 && extent.Height > host.Height) ? CudaStatus.InvalidValue
        : null;

    /// <summary>
    /// Runs one record per slice and column band of a host box: a band is at most one chunk wide, so
    /// its rows can travel packed in chunks of whole rows.
    /// </summary>
    private CudaStatus ForEachBand(PitchedMemory host, CopyExtent extent, Func<HostBuffer, ulong, ulong, ulong, CudaStatus> record)
    {
        var band = (ulong)ChunkBytes;
        for (ulong slice = 0; slice < extent.Depth; slice++)
        {
            var sliceStart = host.Address + (slice * host.Pitch * host.Height);
            for (ulong column = 0; column < extent.WidthBytes; column += band)
            {
                var width = Math.Min(band, extent.WidthBytes - column);
                var status = record(new HostBuffer((nint)(sliceStart + column), host.Pitch), column, slice, width);
                if (status != CudaStatus.Success)
                {
                    return status;
                }
            }
        }
        return CudaStatus.Success;
    }
}
