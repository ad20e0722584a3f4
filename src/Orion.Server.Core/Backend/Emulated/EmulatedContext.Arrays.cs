namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// CUDA arrays, 3D copies and texture and surface objects on the emulated device. Arrays count
/// against the device's memory; texture and surface objects are numbers unique on the device, which
/// emulated kernels resolve through <see cref="EmulatedLaunch"/> (an unknown or destroyed one faults the launch).
/// </summary>
internal sealed unsafe partial class EmulatedContext : IGpuArrayContext
{
    private const uint SupportedArrayFlags = ArrayDescriptor.Layered | ArrayDescriptor.SurfaceLoadStore | ArrayDescriptor.Cubemap | ArrayDescriptor.TextureGather;

    // Texture and surface object values, unique across every context of the process (as a device's are
    // within it), so that a value from another session is never found here by accident.
    private static long s_nextObject = 0x100;

    private readonly Dictionary<nint, EmulatedArray> _arrays = [];
    private readonly Dictionary<ulong, EmulatedTextureObject> _textureObjects = [];
    private readonly Dictionary<ulong, EmulatedArray> _surfaceObjects = [];

    /// <summary>Live arrays; tests read it to see cleanup.</summary>
    public int ArrayCount => _arrays.Count;

    public CudaStatus CreateArray(in ArrayDescriptor descriptor, out GpuArrayHandle array)
    {
        array = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if ((descriptor.Flags & ~SupportedArrayFlags) != 0)
        {
            return CudaStatus.NotSupported;
        }
        if (!IsValidShape(descriptor))
        {
            return CudaStatus.InvalidValue;
        }
        var bytes = descriptor.TotalBytes;
        if (bytes > (ulong)Array.MaxLength || !_device.TryReserve(bytes, out _))
        {
            return CudaStatus.OutOfMemory;
        }
        var handle = _nextHandle++;
        _arrays[handle] = new EmulatedArray(descriptor);
        array = new GpuArrayHandle(handle);
        return CudaStatus.Success;
    }

    /// <summary>The shapes <c>cuArray3DCreate</c> accepts, within the emulated device's texture limits.</summary>
    private static bool IsValidShape(in ArrayDescriptor d)
    {
        var layered = (d.Flags & ArrayDescriptor.Layered) != 0;
        if (d.ElementBytes == 0 || d.Width == 0 || (d.Height == 0 && d.Depth != 0 && !layered))
        {
            return false;
        }
        if ((d.Flags & ArrayDescriptor.Cubemap) != 0)
        {
            return d.Width == d.Height && (layered ? d.Depth != 0 && d.Depth % 6 == 0 : d.Depth == 6) && d.Width <= EmulatedDeviceAttributes.MaxLayeredExtent;
        }
        if (layered)
        {
            return d.Width <= EmulatedDeviceAttributes.MaxLayeredExtent && d.Height <= EmulatedDeviceAttributes.MaxLayeredExtent
                && d.Depth != 0 && d.Depth <= EmulatedDeviceAttributes.MaxLayers;
        }
        if (d.Depth != 0)
        {
            return d.Width <= EmulatedDeviceAttributes.MaxTexture3DExtent && d.Height <= EmulatedDeviceAttributes.MaxTexture3DExtent
                && d.Depth <= EmulatedDeviceAttributes.MaxTexture3DExtent;
        }
        return d.Height == 0
            ? d.Width <= EmulatedDeviceAttributes.MaxTexture1DWidth
            : d.Width <= EmulatedDeviceAttributes.MaxTexture2DWidth && d.Height <= EmulatedDeviceAttributes.MaxTexture2DHeight;
    }

    public CudaStatus DestroyArray(GpuArrayHandle array)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_arrays.Remove(array.Value, out var destroyed))
        {
            return CudaStatus.InvalidHandle;
        }
        destroyed.Destroyed = true;
        _device.Release(destroyed.Descriptor.TotalBytes);
        return CudaStatus.Success;
    }

    public CudaStatus Copy3D(in MemoryCopy3D copy)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (copy.WidthBytes == 0 || copy.Height == 0 || copy.Depth == 0)
        {
            return CudaStatus.Success;
        }
        // Check both whole boxes first, so that a bad copy changes nothing.
        if (!TryCheckSide(copy.Source, copy, out var source) || !TryCheckSide(copy.Destination, copy, out var destination))
        {
            return CudaStatus.InvalidValue;
        }
        for (ulong slice = 0; slice < copy.Depth; slice++)
        {
            for (ulong row = 0; row < copy.Height; row++)
            {
                RowOf(copy.Source, source, slice, row, copy.WidthBytes).CopyTo(RowOf(copy.Destination, destination, slice, row, copy.WidthBytes));
            }
        }
        return CudaStatus.Success;
    }

    public CudaStatus Copy3DAsync(in MemoryCopy3D copy, GpuStreamHandle stream) =>
        ValidStream(stream) ? Copy3D(copy) : CudaStatus.InvalidHandle;

    /// <summary>Whether one side's box is valid: inside its array, or inside one allocation with rows and slices that do not overlap.</summary>
    private bool TryCheckSide(in CopySide3D side, in MemoryCopy3D copy, out EmulatedArray? array)
    {
        array = null;
        switch (side.Location)
        {
            case MemoryLocation.Array:
                return _arrays.TryGetValue(side.Array.Value, out array)
                    && array.Descriptor.Contains(side.XBytes, side.Y, side.Z, copy.WidthBytes, copy.Height, copy.Depth);
            case MemoryLocation.Host or MemoryLocation.Device:
                if (((copy.Height > 1 || copy.Depth > 1) && copy.WidthBytes > side.Pitch) || (copy.Depth > 1 && copy.Height > side.Height))
                {
                    return false;
                }
                var extent = ((UInt128)(copy.Depth - 1) * side.Pitch * side.Height) + ((UInt128)(copy.Height - 1) * side.Pitch) + copy.WidthBytes;
                return side.Location == MemoryLocation.Host || (extent <= ulong.MaxValue && TryGetDeviceSpan(side.Address, (ulong)extent, out _));
            default:
                return false;
        }
    }

    private Span<byte> RowOf(in CopySide3D side, EmulatedArray? array, ulong slice, ulong row, ulong bytes)
    {
        if (array is not null)
        {
            return array.Row(side.XBytes, side.Y + row, side.Z + slice, bytes);
        }
        var address = side.Address + (slice * side.Pitch * side.Height) + (row * side.Pitch);
        return Resolve(side.Location, address, bytes);
    }

    // ---- texture and surface objects ----

    public CudaStatus CreateTextureObject(in GpuTextureResource resource, in TextureSampling sampling, out ulong textureObject)
    {
        textureObject = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!IsValidSampling(sampling))
        {
            return CudaStatus.InvalidValue;
        }
        EmulatedArray? array = null;
        ArrayFormat format;
        switch (resource.Kind)
        {
            case TextureResourceKind.Array:
                if (!_arrays.TryGetValue(resource.Array.Value, out array))
                {
                    return CudaStatus.InvalidHandle;
                }
                format = array.Descriptor.Format;
                break;
            case TextureResourceKind.Linear:
                format = resource.Format;
                if (ArrayFormats.ElementBytes(resource.Format, resource.Channels) == 0 || !TryGetDeviceSpan(resource.Address, resource.Width, out _))
                {
                    return CudaStatus.InvalidValue;
                }
                break;
            case TextureResourceKind.Pitch2D:
                format = resource.Format;
                var rowBytes = (UInt128)resource.Width * ArrayFormats.ElementBytes(resource.Format, resource.Channels);
                var extent = resource.Height == 0 ? 0 : ((UInt128)(resource.Height - 1) * resource.Pitch) + rowBytes;
                if (rowBytes == 0 || rowBytes > resource.Pitch || resource.Height == 0 || extent > ulong.MaxValue
                    || !TryGetDeviceSpan(resource.Address, (ulong)extent, out _))
                {
                    return CudaStatus.InvalidValue;
                }
                break;
            default:
                return CudaStatus.InvalidValue;
        }
        // Linear filtering needs values it can interpolate: not integers read as integers.
        var integer = format is not (ArrayFormat.Half or ArrayFormat.Float);
        if (sampling.FilterMode == 1 && integer && (sampling.Flags & TextureSampling.ReadAsInteger) != 0)
        {
            return CudaStatus.InvalidValue;
        }
        textureObject = (ulong)Interlocked.Increment(ref s_nextObject);
        _textureObjects[textureObject] = new EmulatedTextureObject(this, resource, array, sampling);
        return CudaStatus.Success;
    }

    private static bool IsValidSampling(in TextureSampling s) =>
        s.AddressModeX <= 3 && s.AddressModeY <= 3 && s.AddressModeZ <= 3 && s.FilterMode <= 1 && s.MipmapFilterMode <= 1 && s.MaxAnisotropy <= 16
        && (s.Flags & ~0x73u) == 0;

    public CudaStatus DestroyTextureObject(ulong textureObject) =>
        Check() is not CudaStatus.Success and var failed ? failed
        : _textureObjects.Remove(textureObject) ? CudaStatus.Success : CudaStatus.InvalidValue;

    public CudaStatus CreateSurfaceObject(GpuArrayHandle array, out ulong surfaceObject)
    {
        surfaceObject = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_arrays.TryGetValue(array.Value, out var target))
        {
            return CudaStatus.InvalidHandle;
        }
        // Driver 580 makes a surface object over an array created without CUDA_ARRAY3D_SURFACE_LDST too (seen on
        // the H200 by the GPU smoke test); the flag matters to the kernels that use it, so no check here either.
        surfaceObject = (ulong)Interlocked.Increment(ref s_nextObject);
        _surfaceObjects[surfaceObject] = target;
        return CudaStatus.Success;
    }

    public CudaStatus DestroySurfaceObject(ulong surfaceObject) =>
        Check() is not CudaStatus.Success and var failed ? failed
        : _surfaceObjects.Remove(surfaceObject) ? CudaStatus.Success : CudaStatus.InvalidValue;

    public CudaStatus GetTexture1DLinearMaxWidth(ArrayFormat format, uint channels, out ulong width)
    {
        width = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (ArrayFormats.ElementBytes(format, channels) == 0)
        {
            return CudaStatus.InvalidValue;
        }
        width = 1UL << 28;
        return CudaStatus.Success;
    }

    /// <summary>The texture object an emulated kernel names, or null when this context has none by that value.</summary>
    internal EmulatedTextureObject? FindTextureObject(ulong value) => _textureObjects.GetValueOrDefault(value);

    /// <summary>The array behind a surface object an emulated kernel names, or null.</summary>
    internal EmulatedArray? FindSurfaceObject(ulong value) => _surfaceObjects.GetValueOrDefault(value);

    private void DisposeArrays()
    {
        foreach (var array in _arrays.Values)
        {
            array.Destroyed = true;
            _device.Release(array.Descriptor.TotalBytes);
        }
        _arrays.Clear();
        _textureObjects.Clear();
        _surfaceObjects.Clear();
    }
}
