using Orion.Cuda.Protocol.Calls;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>
/// The arrays area: CUDA arrays of the session, copies of boxes into and out of them, and texture and
/// surface objects. Every array a call names must be the session's, on the current device; every box
/// must lie inside its array, and every device range inside the session's allocations, before the
/// backend sees it. Host data passes through the device's staging buffer one chunk of whole rows at a
/// time, as for 2D copies.
/// </summary>
internal sealed class ArrayCallHandler(SessionObjects objects) : IArrayCalls
{
    // ---- arrays ----

    public CudaStatus CreateArray(ulong array, ulong width, ulong height, ulong depth, ArrayFormat format, uint channels, uint flags)
    {
        if (objects.CheckNewHandle(array) is { } taken)
        {
            return taken;
        }
        var descriptor = new ArrayDescriptor(width, height, depth, format, channels, flags);
        if (width == 0 || descriptor.ElementBytes == 0)
        {
            return CudaStatus.InvalidValue;
        }
        // Every extent is within ArrayLimits.MaxExtent (checked by the decoder), so this product cannot
        // overflow; it bounds what one array may ask of the device before the device is asked.
        if (descriptor.TotalBytes > ProtocolLimits.MaxTransferBytes || objects.Arrays.ArraysFull
            || objects.RefuseBeyondLimits(objects.CurrentDevice, descriptor.TotalBytes, newAllocation: false) is not null)
        {
            return CudaStatus.OutOfMemory;
        }
        GpuArrayHandle created = default;
        var status = WithArrays(out _, out var arrays) ?? arrays.CreateArray(descriptor, out created);
        if (status == CudaStatus.Success)
        {
            objects.Arrays.AddArray(array, new SessionArrays.ArrayEntry(objects.CurrentDevice, created, descriptor));
        }
        return status;
    }

    public CudaStatus DestroyArray(ulong array)
    {
        SessionArrays.ArrayEntry entry = null!;
        if ((WithArrays(out _, out var arrays) ?? ResolveArray(array, out entry)) is { } refused)
        {
            return refused;
        }
        var status = arrays.DestroyArray(entry.Array);
        if (status == CudaStatus.Success)
        {
            objects.Arrays.RemoveArray(array);
        }
        return status;
    }

    // ---- copies with the client's host memory ----

    public CudaStatus CopyHostToArray(ulong array, ulong xBytes, ulong y, ulong z, ulong widthBytes, ulong height, IncomingData data) =>
        ReceiveRows(array, xBytes, y, z, widthBytes, height, ordered: false, 0, data);

    public CudaStatus CopyHostToArrayAsync(ulong array, ulong xBytes, ulong y, ulong z, ulong widthBytes, ulong height, ulong stream, IncomingData data) =>
        ReceiveRows(array, xBytes, y, z, widthBytes, height, ordered: true, stream, data);

    public CudaStatus CopyArrayToHost(ulong array, ulong xBytes, ulong y, ulong z, ulong widthBytes, ulong height, OutgoingData data) =>
        SendRows(array, xBytes, y, z, widthBytes, height, ordered: false, 0, data);

    public CudaStatus CopyArrayToHostAsync(ulong array, ulong xBytes, ulong y, ulong z, ulong widthBytes, ulong height, ulong stream, OutgoingData data) =>
        SendRows(array, xBytes, y, z, widthBytes, height, ordered: true, stream, data);

    private CudaStatus ReceiveRows(ulong array, ulong xBytes, ulong y, ulong z, ulong width, ulong height, bool ordered, ulong stream, IncomingData data)
    {
        if (width == 0 || height == 0)
        {
            return CudaStatus.Success;
        }
        if (PrepareStaged(array, xBytes, y, z, width, height, stream, out var context, out var arrays, out var entry, out var gpuStream, out var staging) is { } refused)
        {
            return refused;
        }
        while (data.Remaining > 0)
        {
            var row = data.Transferred / width;
            var rows = (ulong)data.ReceiveNext(staging) / width;
            var copy = new MemoryCopy3D(CopySide3D.Linear(MemoryLocation.Host, (ulong)staging, width, rows),
                CopySide3D.InArray(entry.Array, xBytes, y + row, z), width, rows, 1);
            var copied = ordered ? StagedChunks.Waited(context, arrays.Copy3DAsync(copy, gpuStream), gpuStream) : arrays.Copy3D(copy);
            if (copied != CudaStatus.Success)
            {
                return copied; // the rest of the data is dropped after the handler returns
            }
        }
        return CudaStatus.Success;
    }

    private CudaStatus SendRows(ulong array, ulong xBytes, ulong y, ulong z, ulong width, ulong height, bool ordered, ulong stream, OutgoingData data)
    {
        if (width == 0 || height == 0)
        {
            return CudaStatus.Success;
        }
        if (PrepareStaged(array, xBytes, y, z, width, height, stream, out var context, out var arrays, out var entry, out var gpuStream, out var staging) is { } refused)
        {
            return refused;
        }
        while (data.Remaining > 0)
        {
            var row = data.Transferred / width;
            var chunk = data.NextChunkBytes;
            var copy = new MemoryCopy3D(CopySide3D.InArray(entry.Array, xBytes, y + row, z),
                CopySide3D.Linear(MemoryLocation.Host, (ulong)staging, width, (ulong)chunk / width), width, (ulong)chunk / width, 1);
            var copied = ordered ? StagedChunks.Waited(context, arrays.Copy3DAsync(copy, gpuStream), gpuStream) : arrays.Copy3D(copy);
            if (StagedChunks.AnnounceAfterFirstChunk(data, copied) is { } failed)
            {
                return failed;
            }
            StagedChunks.SendStaged(data, staging, chunk, copied);
        }
        return CudaStatus.Success;
    }

    /// <summary>What a copy between an array and the client's host memory needs, or why it cannot run.</summary>
    private CudaStatus? PrepareStaged(ulong array, ulong xBytes, ulong y, ulong z, ulong width, ulong height, ulong stream,
        out IGpuContext context, out IGpuArrayContext arrays, out SessionArrays.ArrayEntry entry, out GpuStreamHandle gpuStream, out nint staging)
    {
        entry = null!;
        gpuStream = default;
        staging = 0;
        return WithArrays(out context, out arrays) ?? ResolveArray(array, out entry) ?? objects.ResolveStream(stream, out gpuStream)
            ?? InsideArray(entry, xBytes, y, z, width, height, 1) ?? objects.Staging(out staging);
    }

    // ---- copies between arrays and device memory ----

    public CudaStatus CopyDeviceToArray(ulong array, ulong xBytes, ulong y, ulong z, ulong source, ulong sourcePitch, ulong sourceHeight,
        ulong widthBytes, ulong height, ulong depth) =>
        DeviceAndArray(toArray: true, array, xBytes, y, z, source, sourcePitch, sourceHeight, widthBytes, height, depth, ordered: false, 0);

    public CudaStatus CopyDeviceToArrayAsync(ulong array, ulong xBytes, ulong y, ulong z, ulong source, ulong sourcePitch, ulong sourceHeight,
        ulong widthBytes, ulong height, ulong depth, ulong stream) =>
        DeviceAndArray(toArray: true, array, xBytes, y, z, source, sourcePitch, sourceHeight, widthBytes, height, depth, ordered: true, stream);

    public CudaStatus CopyArrayToDevice(ulong destination, ulong destinationPitch, ulong destinationHeight, ulong array, ulong xBytes, ulong y, ulong z,
        ulong widthBytes, ulong height, ulong depth) =>
        DeviceAndArray(toArray: false, array, xBytes, y, z, destination, destinationPitch, destinationHeight, widthBytes, height, depth, ordered: false, 0);

    public CudaStatus CopyArrayToDeviceAsync(ulong destination, ulong destinationPitch, ulong destinationHeight, ulong array, ulong xBytes, ulong y, ulong z,
        ulong widthBytes, ulong height, ulong depth, ulong stream) =>
        DeviceAndArray(toArray: false, array, xBytes, y, z, destination, destinationPitch, destinationHeight, widthBytes, height, depth, ordered: true, stream);

    private CudaStatus DeviceAndArray(bool toArray, ulong array, ulong xBytes, ulong y, ulong z, ulong address, ulong pitch, ulong sliceHeight,
        ulong width, ulong height, ulong depth, bool ordered, ulong stream)
    {
        if (width == 0 || height == 0 || depth == 0)
        {
            return CudaStatus.Success;
        }
        GpuStreamHandle gpuStream = default;
        SessionArrays.ArrayEntry entry = null!;
        var refused = WithArrays(out _, out var arrays) ?? ResolveArray(array, out entry) ?? objects.ResolveStream(stream, out gpuStream)
            ?? InsideArray(entry, xBytes, y, z, width, height, depth) ?? InsideAllocation(address, pitch, sliceHeight, width, height, depth);
        if (refused is not null)
        {
            return refused.Value;
        }
        var linear = CopySide3D.Linear(MemoryLocation.Device, address, pitch, sliceHeight);
        var inArray = CopySide3D.InArray(entry.Array, xBytes, y, z);
        var copy = toArray ? new MemoryCopy3D(linear, inArray, width, height, depth) : new MemoryCopy3D(inArray, linear, width, height, depth);
        return ordered ? arrays.Copy3DAsync(copy, gpuStream) : arrays.Copy3D(copy);
    }

    public CudaStatus CopyArrayToArray(ulong destinationArray, ulong destinationXBytes, ulong destinationY, ulong destinationZ,
        ulong sourceArray, ulong sourceXBytes, ulong sourceY, ulong sourceZ, ulong widthBytes, ulong height, ulong depth) =>
        ArrayToArray(destinationArray, destinationXBytes, destinationY, destinationZ, sourceArray, sourceXBytes, sourceY, sourceZ,
            widthBytes, height, depth, ordered: false, 0);

    public CudaStatus CopyArrayToArrayAsync(ulong destinationArray, ulong destinationXBytes, ulong destinationY, ulong destinationZ,
        ulong sourceArray, ulong sourceXBytes, ulong sourceY, ulong sourceZ, ulong widthBytes, ulong height, ulong depth, ulong stream) =>
        ArrayToArray(destinationArray, destinationXBytes, destinationY, destinationZ, sourceArray, sourceXBytes, sourceY, sourceZ,
            widthBytes, height, depth, ordered: true, stream);

    private CudaStatus ArrayToArray(ulong destinationArray, ulong destinationXBytes, ulong destinationY, ulong destinationZ,
        ulong sourceArray, ulong sourceXBytes, ulong sourceY, ulong sourceZ, ulong width, ulong height, ulong depth, bool ordered, ulong stream)
    {
        if (width == 0 || height == 0 || depth == 0)
        {
            return CudaStatus.Success;
        }
        GpuStreamHandle gpuStream = default;
        SessionArrays.ArrayEntry destination = null!, source = null!;
        var refused = WithArrays(out _, out var arrays) ?? ResolveArray(destinationArray, out destination) ?? ResolveArray(sourceArray, out source)
            ?? objects.ResolveStream(stream, out gpuStream)
            ?? InsideArray(destination, destinationXBytes, destinationY, destinationZ, width, height, depth)
            ?? InsideArray(source, sourceXBytes, sourceY, sourceZ, width, height, depth);
        if (refused is not null)
        {
            return refused.Value;
        }
        var copy = new MemoryCopy3D(CopySide3D.InArray(source.Array, sourceXBytes, sourceY, sourceZ),
            CopySide3D.InArray(destination.Array, destinationXBytes, destinationY, destinationZ), width, height, depth);
        return ordered ? arrays.Copy3DAsync(copy, gpuStream) : arrays.Copy3D(copy);
    }

    // ---- texture and surface objects ----

    public CudaStatus CreateTextureObject(TextureResource resource, TextureSampling sampling, out ulong textureObject)
    {
        textureObject = 0;
        GpuTextureResource gpuResource = default;
        if ((WithArrays(out _, out var arrays) ?? ResolveTextureResource(resource, out gpuResource)) is { } refused)
        {
            return refused;
        }
        if (objects.Arrays.TextureObjectsFull)
        {
            return CudaStatus.OutOfMemory;
        }
        var status = arrays.CreateTextureObject(gpuResource, sampling, out textureObject);
        if (status == CudaStatus.Success)
        {
            objects.Arrays.AddTextureObject(objects.CurrentDevice, textureObject);
        }
        else
        {
            textureObject = 0;
        }
        return status;
    }

    public CudaStatus DestroyTextureObject(ulong textureObject)
    {
        if (WithArrays(out _, out var arrays) is { } refused)
        {
            return refused;
        }
        // Only an object this session made on this device: a session never destroys another's.
        if (!objects.Arrays.OwnsTextureObject(objects.CurrentDevice, textureObject))
        {
            return CudaStatus.InvalidValue;
        }
        var status = arrays.DestroyTextureObject(textureObject);
        if (status == CudaStatus.Success)
        {
            objects.Arrays.RemoveTextureObject(objects.CurrentDevice, textureObject);
        }
        return status;
    }

    public CudaStatus CreateSurfaceObject(ulong array, out ulong surfaceObject)
    {
        surfaceObject = 0;
        SessionArrays.ArrayEntry entry = null!;
        if ((WithArrays(out _, out var arrays) ?? ResolveArray(array, out entry)) is { } refused)
        {
            return refused;
        }
        if (objects.Arrays.SurfaceObjectsFull)
        {
            return CudaStatus.OutOfMemory;
        }
        var status = arrays.CreateSurfaceObject(entry.Array, out surfaceObject);
        if (status == CudaStatus.Success)
        {
            objects.Arrays.AddSurfaceObject(objects.CurrentDevice, surfaceObject);
        }
        else
        {
            surfaceObject = 0;
        }
        return status;
    }

    public CudaStatus DestroySurfaceObject(ulong surfaceObject)
    {
        if (WithArrays(out _, out var arrays) is { } refused)
        {
            return refused;
        }
        if (!objects.Arrays.OwnsSurfaceObject(objects.CurrentDevice, surfaceObject))
        {
            return CudaStatus.InvalidValue;
        }
        var status = arrays.DestroySurfaceObject(surfaceObject);
        if (status == CudaStatus.Success)
        {
            objects.Arrays.RemoveSurfaceObject(objects.CurrentDevice, surfaceObject);
        }
        return status;
    }

    public CudaStatus GetTexture1DLinearMaxWidth(ArrayFormat format, uint channels, out ulong width)
    {
        width = 0;
        if (ArrayFormats.ElementBytes(format, channels) == 0)
        {
            return CudaStatus.InvalidValue;
        }
        return WithArrays(out _, out var arrays) ?? arrays.GetTexture1DLinearMaxWidth(format, channels, out width);
    }

    /// <summary>The resource with its array resolved, or why it is refused: device memory must lie inside the session's allocations.</summary>
    private CudaStatus? ResolveTextureResource(TextureResource resource, out GpuTextureResource resolved)
    {
        resolved = default;
        switch (resource.Kind)
        {
            case TextureResource.ArrayKind:
                if (ResolveArray(resource.Array, out var entry) is { } unknown)
                {
                    return unknown;
                }
                resolved = GpuTextureResource.OfArray(entry.Array);
                return null;
            case TextureResource.MipmappedArrayKind:
                return CudaStatus.NotSupported;
            case TextureResource.LinearKind or TextureResource.Pitch2DKind:
                break;
            default:
                return CudaStatus.InvalidValue;
        }
        var format = (ArrayFormat)resource.Format;
        var elementBytes = ArrayFormats.ElementBytes(format, resource.Channels);
        if (elementBytes == 0 || resource.Width == 0)
        {
            return CudaStatus.InvalidValue;
        }
        if (resource.Kind == TextureResource.LinearKind)
        {
            resolved = GpuTextureResource.OfLinear(resource.Address, format, resource.Channels, resource.Width);
            return objects.CheckRange(resource.Address, resource.Width);
        }
        var rowBytes = (UInt128)resource.Width * elementBytes;
        if (resource.Height == 0 || rowBytes > resource.Pitch)
        {
            return CudaStatus.InvalidValue;
        }
        resolved = GpuTextureResource.OfPitch2D(resource.Address, format, resource.Channels, resource.Width, resource.Height, resource.Pitch);
        return objects.CheckRange(resource.Address, SessionObjects.PitchedExtent(resource.Pitch, (ulong)rowBytes, resource.Height));
    }

    // ---- helpers ----

    /// <summary>The current device's context and its array support, or why there is none.</summary>
    private CudaStatus? WithArrays(out IGpuContext context, out IGpuArrayContext arrays)
    {
        arrays = null!;
        if (objects.WithContext(out context) is { } failed)
        {
            return failed;
        }
        if (context is not IGpuArrayContext supported)
        {
            return CudaStatus.NotSupported;
        }
        arrays = supported;
        return null;
    }

    /// <summary>The session's array <paramref name="handle"/> on the current device.</summary>
    private CudaStatus? ResolveArray(ulong handle, out SessionArrays.ArrayEntry entry) =>
        objects.Arrays.TryGetArray(handle, out entry) && entry.Device == objects.CurrentDevice ? null : CudaStatus.InvalidHandle;

    private static CudaStatus? InsideArray(SessionArrays.ArrayEntry entry, ulong xBytes, ulong y, ulong z, ulong width, ulong height, ulong depth) =>
        entry.Descriptor.Contains(xBytes, y, z, width, height, depth) ? null : CudaStatus.InvalidValue;

    /// <summary>
    /// A box of linear device memory (rows <paramref name="pitch"/> bytes apart, slices
    /// <paramref name="sliceHeight"/> rows apart) must lie inside one allocation of the session.
    /// </summary>
    private CudaStatus? InsideAllocation(ulong address, ulong pitch, ulong sliceHeight, ulong width, ulong height, ulong depth)
    {
        if (((height > 1 || depth > 1) && width > pitch) || (depth > 1 && height > sliceHeight))
        {
            return CudaStatus.InvalidValue;
        }
        var extent = ((UInt128)(depth - 1) * pitch * sliceHeight) + ((UInt128)(height - 1) * pitch) + width;
        return objects.CheckRange(address, extent > ulong.MaxValue ? ulong.MaxValue : (ulong)extent);
    }
}
