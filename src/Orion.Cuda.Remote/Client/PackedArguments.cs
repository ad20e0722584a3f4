using System.Buffers;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Client;

/// <summary>
/// CUDA's <c>void** args</c> (one pointer per parameter) packed by a function's parameter layout into the buffer a
/// launch record carries: into the caller's stack buffer when it fits, else into a rented array given back on
/// <see cref="Dispose"/>. Launches are hot paths; packing allocates nothing.
/// </summary>
internal unsafe ref struct PackedArguments
{
    /// <summary>Parameter buffers up to this size are packed on the stack (most kernels take a few hundred bytes).</summary>
    public const int StackBytes = 1024;

    private byte[]? _rented;

    /// <summary>The packed parameters, exactly the layout's size.</summary>
    public Span<byte> Bytes { get; private set; }

    /// <summary>Packs <paramref name="arguments"/>; <see cref="CudaStatus.InvalidValue"/> for a missing array or a
    /// layout past the protocol's parameter limit.</summary>
    public static CudaStatus Pack(KernelParameterInfo[] layout, void** arguments, Span<byte> stackBuffer, out PackedArguments packed)
    {
        packed = default;
        if (arguments == null && layout.Length > 0)
        {
            return CudaStatus.InvalidValue;
        }
        var size = RemoteCudaClient.PackedSize(layout);
        if (size > ProtocolLimits.MaxKernelParameterBytes)
        {
            return CudaStatus.InvalidValue;
        }
        packed._rented = size > stackBuffer.Length ? ArrayPool<byte>.Shared.Rent(size) : null;
        var bytes = (packed._rented is null ? stackBuffer : packed._rented)[..size];
        bytes.Clear();
        for (var i = 0; i < layout.Length; i++)
        {
            new ReadOnlySpan<byte>(arguments[i], (int)layout[i].Size).CopyTo(bytes[(int)layout[i].Offset..]);
        }
        packed.Bytes = bytes;
        return CudaStatus.Success;
    }

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
        }
    }
}
