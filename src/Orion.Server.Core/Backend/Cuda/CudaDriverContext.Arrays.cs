using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// CUDA arrays, 3D copies, texture and surface objects on the real driver. As for streams and events,
/// every array, texture object and surface object a call takes must be one this context made (the
/// session checks first; this is the last line before the driver dereferences it). Destroying the
/// context (<c>cuCtxDestroy</c>) frees them all.
/// </summary>
internal sealed unsafe partial class CudaDriverContext : IGpuArrayContext
{
    private readonly HashSet<nint> _arrays = [];
    private readonly HashSet<ulong> _textureObjects = [];
    private readonly HashSet<ulong> _surfaceObjects = [];

    public CudaStatus CreateArray(in ArrayDescriptor descriptor, out GpuArrayHandle array)
    {
        array = default;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        var native = new CuArray3DDescriptor
        {
            Width = (nuint)descriptor.Width,
            Height = (nuint)descriptor.Height,
            Depth = (nuint)descriptor.Depth,
            Format = (uint)descriptor.Format,
            NumChannels = descriptor.Channels,
            Flags = descriptor.Flags,
        };
        nint handle;
        status = CudaDriverApi.Array3DCreate(&handle, &native);
        if (status == CudaStatus.Success)
        {
            _arrays.Add(handle);
            array = new GpuArrayHandle(handle);
        }

        return status;
    }

    public CudaStatus DestroyArray(GpuArrayHandle array)
    {
        CudaStatus status = Ready(_arrays.Contains(array.Value));
        if (status != CudaStatus.Success)
        {
            return status;
        }

        status = CudaDriverApi.ArrayDestroy(array.Value);
        if (status == CudaStatus.Success)
        {
            _arrays.Remove(array.Value);
        }

        return status;
    }

    public CudaStatus Copy3D(in MemoryCopy3D copy)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!TryDescribe(copy, out CuMemcpy3D native) || !KnowsArrays(copy))
        {
            return CudaStatus.InvalidValue;
        }

        return CudaDriverApi.Memcpy3D(&native);
    }

    public CudaStatus Copy3DAsync(in MemoryCopy3D copy, GpuStreamHandle stream)
    {
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!TryDescribe(copy, out CuMemcpy3D native) || !KnowsArrays(copy))
        {
            return CudaStatus.InvalidValue;
        }

        return CudaDriverApi.Memcpy3DAsync(&native, stream.Value);
    }

    private bool KnowsArrays(in MemoryCopy3D copy) =>
        (copy.Source.Location != MemoryLocation.Array || _arrays.Contains(copy.Source.Array.Value))
        && (copy.Destination.Location != MemoryLocation.Array || _arrays.Contains(copy.Destination.Array.Value));

    /// <summary>The driver's <c>CUDA_MEMCPY3D</c> for <paramref name="copy"/>; false for a side of no known kind.</summary>
    internal static bool TryDescribe(in MemoryCopy3D copy, out CuMemcpy3D native)
    {
        native = default;
        if (!IsKnownLocation(copy.Source.Location) || !IsKnownLocation(copy.Destination.Location))
        {
            return false;
        }

        CopySide3D source = copy.Source;
        native.SrcXInBytes = (nuint)source.XBytes;
        native.SrcY = (nuint)source.Y;
        native.SrcZ = (nuint)source.Z;
        native.SrcMemoryType = (CuMemoryType)source.Location;
        native.SrcHost = source.Location == MemoryLocation.Host ? (nint)source.Address : 0;
        native.SrcDevice = source.Location == MemoryLocation.Device ? source.Address : 0;
        native.SrcArray = source.Location == MemoryLocation.Array ? source.Array.Value : 0;
        (native.SrcPitch, native.SrcHeight) = LinearShape(source, copy);

        CopySide3D destination = copy.Destination;
        native.DstXInBytes = (nuint)destination.XBytes;
        native.DstY = (nuint)destination.Y;
        native.DstZ = (nuint)destination.Z;
        native.DstMemoryType = (CuMemoryType)destination.Location;
        native.DstHost = destination.Location == MemoryLocation.Host ? (nint)destination.Address : 0;
        native.DstDevice = destination.Location == MemoryLocation.Device ? destination.Address : 0;
        native.DstArray = destination.Location == MemoryLocation.Array ? destination.Array.Value : 0;
        (native.DstPitch, native.DstHeight) = LinearShape(destination, copy);

        native.WidthInBytes = (nuint)copy.WidthBytes;
        native.Height = (nuint)copy.Height;
        native.Depth = (nuint)copy.Depth;
        return true;
    }

    /// <summary>
    /// A linear side's pitch and rows per slice. Where the copy never reads them (one row; one slice) the
    /// driver may still check that a row fits its pitch and a slice its height, so they are made to.
    /// </summary>
    private static (nuint Pitch, nuint Height) LinearShape(in CopySide3D side, in MemoryCopy3D copy)
    {
        if (side.Location == MemoryLocation.Array)
        {
            return (0, 0);
        }

        ulong pitch = copy.Height <= 1 && copy.Depth <= 1 ? Math.Max(side.Pitch, copy.WidthBytes) : side.Pitch;
        ulong height = copy.Depth <= 1 ? Math.Max(side.Height, copy.Height) : side.Height;
        return ((nuint)pitch, (nuint)height);
    }

    private static bool IsKnownLocation(MemoryLocation location) => location is MemoryLocation.Host or MemoryLocation.Device or MemoryLocation.Array;

    // ---- texture and surface objects ----

    public CudaStatus CreateTextureObject(in GpuTextureResource resource, in TextureSampling sampling, out ulong textureObject)
    {
        textureObject = 0;
        CudaStatus status = Ready(resource.Kind != TextureResourceKind.Array || _arrays.Contains(resource.Array.Value));
        if (status != CudaStatus.Success)
        {
            return status;
        }

        CuResourceDesc native = Describe(resource);
        CuTextureDesc texture = Describe(sampling);
        ulong created;
        status = CudaDriverApi.TexObjectCreate(&created, &native, &texture, null);
        if (status == CudaStatus.Success)
        {
            _textureObjects.Add(created);
            textureObject = created;
        }

        return status;
    }

    public CudaStatus DestroyTextureObject(ulong textureObject) => DestroyObject(_textureObjects, textureObject, &CudaDriverApi.TexObjectDestroy);

    public CudaStatus CreateSurfaceObject(GpuArrayHandle array, out ulong surfaceObject)
    {
        surfaceObject = 0;
        CudaStatus status = Ready(_arrays.Contains(array.Value));
        if (status != CudaStatus.Success)
        {
            return status;
        }

        CuResourceDesc native = Describe(GpuTextureResource.OfArray(array));
        ulong created;
        status = CudaDriverApi.SurfObjectCreate(&created, &native);
        if (status == CudaStatus.Success)
        {
            _surfaceObjects.Add(created);
            surfaceObject = created;
        }

        return status;
    }

    public CudaStatus DestroySurfaceObject(ulong surfaceObject) => DestroyObject(_surfaceObjects, surfaceObject, &CudaDriverApi.SurfObjectDestroy);

    /// <summary>Destroys a texture or surface object this context made (any other value is refused before the driver sees it).</summary>
    private CudaStatus DestroyObject(HashSet<ulong> made, ulong value, delegate*<ulong, CudaStatus> destroy)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!made.Contains(value))
        {
            return CudaStatus.InvalidValue;
        }

        status = destroy(value);
        if (status == CudaStatus.Success)
        {
            made.Remove(value);
        }

        return status;
    }

    public CudaStatus GetTexture1DLinearMaxWidth(ArrayFormat format, uint channels, out ulong width)
    {
        width = 0;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        int device;
        status = CudaDriverApi.DeviceGet(&device, Device);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nuint elements;
        status = CudaDriverApi.DeviceGetTexture1DLinearMaxWidth(&elements, (uint)format, channels, device);
        width = status == CudaStatus.Success ? elements : 0;
        return status;
    }

    /// <summary>The driver's <c>CUDA_RESOURCE_DESC</c> for <paramref name="resource"/> (flags 0).</summary>
    internal static CuResourceDesc Describe(in GpuTextureResource resource)
    {
        var native = new CuResourceDesc { ResType = (uint)resource.Kind };
        switch (resource.Kind)
        {
            case TextureResourceKind.Array:
                native.Array = resource.Array.Value;
                break;
            case TextureResourceKind.Linear:
                native.DevicePointer = resource.Address;
                native.Format = (uint)resource.Format;
                native.NumChannels = resource.Channels;
                native.SizeInBytesOrWidth = (nuint)resource.Width;
                break;
            default:
                native.DevicePointer = resource.Address;
                native.Format = (uint)resource.Format;
                native.NumChannels = resource.Channels;
                native.SizeInBytesOrWidth = (nuint)resource.Width;
                native.Height = (nuint)resource.Height;
                native.PitchInBytes = (nuint)resource.Pitch;
                break;
        }

        return native;
    }

    /// <summary>The driver's <c>CUDA_TEXTURE_DESC</c> for <paramref name="sampling"/> (reserved fields 0).</summary>
    internal static CuTextureDesc Describe(in TextureSampling sampling)
    {
        var native = new CuTextureDesc
        {
            FilterMode = sampling.FilterMode,
            Flags = sampling.Flags,
            MaxAnisotropy = sampling.MaxAnisotropy,
            MipmapFilterMode = sampling.MipmapFilterMode,
            MipmapLevelBias = sampling.MipmapLevelBias,
            MinMipmapLevelClamp = sampling.MinMipmapLevelClamp,
            MaxMipmapLevelClamp = sampling.MaxMipmapLevelClamp,
        };
        native.AddressMode[0] = sampling.AddressModeX;
        native.AddressMode[1] = sampling.AddressModeY;
        native.AddressMode[2] = sampling.AddressModeZ;
        native.BorderColor[0] = sampling.BorderColor.Red;
        native.BorderColor[1] = sampling.BorderColor.Green;
        native.BorderColor[2] = sampling.BorderColor.Blue;
        native.BorderColor[3] = sampling.BorderColor.Alpha;
        return native;
    }
}
