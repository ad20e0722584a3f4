using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Emulated;

// What an emulated kernel does with the texture and surface objects it takes as arguments (64-bit
// values, as on a GPU). A value this context did not make faults the launch, as would a wild handle.
public sealed partial class EmulatedLaunch
{
    /// <summary><c>tex2D&lt;T&gt;(texture, x, y)</c>: <typeparamref name="T"/> must be as large as one element of the texture.</summary>
    public T Texture2D<T>(ulong texture, float x, float y) where T : unmanaged => TextureObject(texture).Sample2D<T>(x, y);

    /// <summary><c>tex1Dfetch&lt;T&gt;(texture, index)</c> of a texture over linear memory.</summary>
    public T Texture1DFetch<T>(ulong texture, long index) where T : unmanaged => TextureObject(texture).Fetch1D<T>(index);

    /// <summary><c>surf2Dread&lt;T&gt;(surface, xBytes, y)</c> with CUDA's default trap on an out-of-range access.</summary>
    public T Surface2DRead<T>(ulong surface, long xBytes, long y) where T : unmanaged =>
        MemoryMarshal.Read<T>(SurfaceElement(surface, xBytes, y, Marshal.SizeOf<T>()));

    /// <summary><c>surf2Dwrite(value, surface, xBytes, y)</c> with CUDA's default trap on an out-of-range access.</summary>
    public void Surface2DWrite<T>(T value, ulong surface, long xBytes, long y) where T : unmanaged =>
        MemoryMarshal.Write(SurfaceElement(surface, xBytes, y, Marshal.SizeOf<T>()), in value);

    private EmulatedTextureObject TextureObject(ulong texture) =>
        _context.FindTextureObject(texture)
        ?? throw new EmulatedFaultException(CudaStatus.IllegalAddress, $"emulated kernel used 0x{texture:x}, which is not a texture object of this context");

    private Span<byte> SurfaceElement(ulong surface, long xBytes, long y, int bytes)
    {
        var array = _context.FindSurfaceObject(surface)
            ?? throw new EmulatedFaultException(CudaStatus.IllegalAddress, $"emulated kernel used 0x{surface:x}, which is not a surface object of this context");
        if (array.Destroyed)
        {
            throw new EmulatedFaultException(CudaStatus.IllegalAddress, "emulated kernel used a surface whose array was destroyed");
        }
        var descriptor = array.Descriptor;
        if (xBytes < 0 || y < 0 || (ulong)xBytes + (ulong)bytes > descriptor.RowBytes || (ulong)y >= descriptor.Rows)
        {
            throw new EmulatedFaultException(CudaStatus.IllegalAddress, $"emulated kernel accessed a surface at ({xBytes} bytes, {y}) outside its {descriptor.RowBytes}x{descriptor.Rows}");
        }
        if (xBytes % bytes != 0)
        {
            throw new EmulatedFaultException(CudaStatus.MisalignedAddress, $"emulated kernel accessed a surface at byte {xBytes}, not a multiple of {bytes}");
        }
        return array.Row((ulong)xBytes, (ulong)y, 0, (ulong)bytes);
    }
}
