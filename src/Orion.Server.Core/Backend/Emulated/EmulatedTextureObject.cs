using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// A texture object on the emulated device, sampled as the hardware samples: coordinates in texels
/// (or normalised, with <c>CU_TRSF_NORMALIZED_COORDINATES</c>), each axis addressed by its mode (clamp
/// and border always; wrap and mirror with normalised coordinates, as CUDA allows), point filtering of
/// any format, and linear filtering of 32-bit float elements with the hardware's 8-bit weight fractions.
/// Elements are returned as stored (CUDA's <c>cudaReadModeElementType</c>); normalised-float reads of
/// integer formats, mipmaps, 3D and layered sampling are not emulated and fault the launch.
/// </summary>
internal sealed class EmulatedTextureObject(EmulatedContext context, GpuTextureResource resource, EmulatedArray? array, TextureSampling sampling)
{
    private const uint Wrap = 0, Clamp = 1, Mirror = 2;

    private ArrayFormat Format => array?.Descriptor.Format ?? resource.Format;

    private uint ElementBytes => array?.Descriptor.ElementBytes ?? ArrayFormats.ElementBytes(resource.Format, resource.Channels);

    private ulong Width => array?.Descriptor.Width ?? (resource.Kind == TextureResourceKind.Linear ? resource.Width / ElementBytes : resource.Width);

    private ulong Height => array?.Descriptor.Rows ?? (resource.Kind == TextureResourceKind.Pitch2D ? resource.Height : 1);

    /// <summary><c>tex2D</c>: the element at (<paramref name="x"/>, <paramref name="y"/>), filtered and addressed by the object's sampling.</summary>
    public T Sample2D<T>(float x, float y) where T : unmanaged
    {
        if (array is { Descriptor.Depth: > 0 })
        {
            throw Unsupported("sampling a 3D or layered array");
        }
        var normalized = (sampling.Flags & TextureSampling.NormalizedCoordinates) != 0;
        var u = normalized ? x * Width : x;
        var v = normalized ? y * Height : y;
        Span<byte> element = stackalloc byte[(int)ElementBytes];
        if (sampling.FilterMode == 0)
        {
            Texel(Floor(u), Floor(v), normalized, element);
            return As<T>(element);
        }
        if (Format != ArrayFormat.Float)
        {
            throw Unsupported($"linear filtering of {Format} elements");
        }
        // Texel centres sit at +0.5; the weights are fractions of 1/256, as the hardware keeps them.
        var (i, a) = Split(u - 0.5f);
        var (j, b) = Split(v - 0.5f);
        var channels = (int)ElementBytes / 4;
        Span<float> result = stackalloc float[channels];
        Span<float> weights = [(1 - a) * (1 - b), a * (1 - b), (1 - a) * b, a * b];
        for (var corner = 0; corner < 4; corner++)
        {
            Texel(i + (corner & 1), j + (corner >> 1), normalized, element);
            var values = MemoryMarshal.Cast<byte, float>(element);
            for (var c = 0; c < channels; c++)
            {
                result[c] += weights[corner] * values[c];
            }
        }
        return As<T>(MemoryMarshal.AsBytes(result));
    }

    /// <summary><c>tex1Dfetch</c> of a linear resource: the element at index <paramref name="index"/>, zero outside the resource.</summary>
    public T Fetch1D<T>(long index) where T : unmanaged
    {
        if (resource.Kind != TextureResourceKind.Linear)
        {
            throw Unsupported("tex1Dfetch of a resource that is not linear memory");
        }
        Span<byte> element = stackalloc byte[(int)ElementBytes];
        if (index >= 0 && (ulong)index < Width)
        {
            Read((ulong)index, 0, element);
        }
        else
        {
            element.Clear();
        }
        return As<T>(element);
    }

    /// <summary>The texel at (<paramref name="i"/>, <paramref name="j"/>) after addressing, or the border colour.</summary>
    private void Texel(long i, long j, bool normalized, Span<byte> element)
    {
        if (Address(i, Width, sampling.AddressModeX, normalized) is not { } column || Address(j, Height, sampling.AddressModeY, normalized) is not { } row)
        {
            Border(element);
            return;
        }
        Read(column, row, element);
    }

    /// <summary>An index inside [0, extent) for <paramref name="mode"/>, or null for a border texel.</summary>
    private static ulong? Address(long index, ulong extent, uint mode, bool normalized)
    {
        var size = (long)extent;
        // Wrap and mirror exist only with normalised coordinates; otherwise CUDA clamps.
        var effective = !normalized && mode is Wrap or Mirror ? Clamp : mode;
        switch (effective)
        {
            case Wrap:
                return (ulong)(((index % size) + size) % size);
            case Mirror:
                var period = ((index % (2 * size)) + (2 * size)) % (2 * size);
                return (ulong)(period < size ? period : (2 * size) - 1 - period);
            case Clamp:
                return (ulong)Math.Clamp(index, 0, size - 1);
            default:
                return index >= 0 && index < size ? (ulong)index : null;
        }
    }

    private void Read(ulong column, ulong row, Span<byte> element)
    {
        var bytes = ElementBytes;
        if (array is not null)
        {
            if (array.Destroyed)
            {
                throw new EmulatedFaultException(CudaStatus.IllegalAddress, "emulated kernel sampled a texture whose array was destroyed");
            }
            array.Row(column * bytes, row, 0, bytes).CopyTo(element);
            return;
        }
        var address = resource.Address + (row * resource.Pitch) + (column * bytes);
        if (!context.TryGetDeviceSpan(address, bytes, out var span))
        {
            throw new EmulatedFaultException(CudaStatus.IllegalAddress, $"emulated kernel sampled a texture over 0x{address:x}, which is no longer allocated");
        }
        span.CopyTo(element);
    }

    /// <summary>The border colour: the descriptor's for float elements, zero for the others.</summary>
    private void Border(Span<byte> element)
    {
        element.Clear();
        if (Format == ArrayFormat.Float)
        {
            ReadOnlySpan<float> color = [sampling.BorderColor.Red, sampling.BorderColor.Green, sampling.BorderColor.Blue, sampling.BorderColor.Alpha];
            MemoryMarshal.AsBytes(color[..(element.Length / 4)]).CopyTo(element);
        }
    }

    private static long Floor(float coordinate) => (long)MathF.Floor(coordinate);

    /// <summary>The texel index below <paramref name="coordinate"/> and the weight of the next one, in steps of 1/256.</summary>
    private static (long Index, float Weight) Split(float coordinate)
    {
        var index = MathF.Floor(coordinate);
        return ((long)index, MathF.Round((coordinate - index) * 256f) / 256f);
    }

    private static T As<T>(ReadOnlySpan<byte> element) where T : unmanaged
    {
        if (Marshal.SizeOf<T>() != element.Length)
        {
            throw new ArgumentException($"the texture's elements are {element.Length} bytes, not {Marshal.SizeOf<T>()}", nameof(T));
        }
        return MemoryMarshal.Read<T>(element);
    }

    private static EmulatedFaultException Unsupported(string what) =>
        new(CudaStatus.NotSupported, $"the emulated device does not emulate {what}");
}
