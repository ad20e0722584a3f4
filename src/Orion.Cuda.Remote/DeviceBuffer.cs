using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Remote;

/// <summary>Device memory of <see cref="Length"/> elements of <typeparamref name="T"/>; freed on dispose.</summary>
public sealed class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    private readonly RemoteCudaClient _client;
    private ulong _address;

    internal DeviceBuffer(RemoteCudaClient client, ulong address, long length)
    {
        _client = client;
        _address = address;
        Length = length;
    }

    /// <summary>The device address (what a kernel's pointer parameter receives).</summary>
    public ulong Address => _address != 0 ? _address : throw new ObjectDisposedException(nameof(DeviceBuffer<T>));

    public long Length { get; }

    public ulong SizeInBytes => (ulong)Length * (ulong)Unsafe.SizeOf<T>();

    public static implicit operator KernelArgument(DeviceBuffer<T> buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return KernelArgument.FromPointer(buffer.Address);
    }

    public KernelArgument ToKernelArgument() => KernelArgument.FromPointer(Address);

    /// <summary>Copies <paramref name="source"/> to the start of the buffer (host to device, synchronous).</summary>
    public unsafe void CopyFrom(ReadOnlySpan<T> source, long offset = 0)
    {
        CheckRange(offset, source.Length);
        fixed (T* pointer = source)
        {
            _client.ThrowIfFailed(
                _client.CopyHostToDevice(Address + ByteOffset(offset), (nint)pointer, (ulong)MemoryMarshal.AsBytes(source).Length),
                "cuMemcpyHtoD");
        }
    }

    /// <summary>Host to device on a stream: the data is sent before this returns; a failure surfaces at the next synchronize.</summary>
    public unsafe void CopyFromAsync(ReadOnlySpan<T> source, RemoteStream stream, long offset = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckRange(offset, source.Length);
        fixed (T* pointer = source)
        {
            _client.ThrowIfFailed(
                _client.CopyHostToDeviceAsync(Address + ByteOffset(offset), (nint)pointer, (ulong)MemoryMarshal.AsBytes(source).Length, stream.Handle),
                "cuMemcpyHtoDAsync");
        }
    }

    /// <summary>Copies the start of the buffer into <paramref name="destination"/> (device to host, synchronous).</summary>
    public unsafe void CopyTo(Span<T> destination, long offset = 0)
    {
        CheckRange(offset, destination.Length);
        fixed (T* pointer = destination)
        {
            _client.ThrowIfFailed(
                _client.CopyDeviceToHost((nint)pointer, Address + ByteOffset(offset), (ulong)MemoryMarshal.AsBytes(destination).Length),
                "cuMemcpyDtoH");
        }
    }

    /// <summary>Reads the whole buffer into a new array.</summary>
    public T[] ToArray()
    {
        var values = new T[Length];
        CopyTo(values);
        return values;
    }

    /// <summary>Device to device: all of <paramref name="source"/> into this buffer.</summary>
    public void CopyFrom(DeviceBuffer<T> source, RemoteStream? stream = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        CheckRange(0, source.Length);
        _client.ThrowIfFailed(
            _client.CopyDeviceToDevice(Address, source.Address, source.SizeInBytes, stream?.Handle ?? 0, async: stream is not null),
            "cuMemcpyDtoD");
    }

    /// <summary>Sets every byte to <paramref name="value"/> (<c>cuMemsetD8</c>); stream-ordered when a stream is given.</summary>
    public void FillBytes(byte value, RemoteStream? stream = null) =>
        _client.ThrowIfFailed(_client.Memset(Address, value, 1, SizeInBytes, stream?.Handle ?? 0, async: stream is not null), "cuMemsetD8");

    /// <summary>Sets every 32-bit word to <paramref name="value"/> (<c>cuMemsetD32</c>); the size must be a multiple of 4.</summary>
    public void Fill32(uint value, RemoteStream? stream = null)
    {
        if (SizeInBytes % 4 != 0)
        {
            throw new InvalidOperationException("The buffer size is not a multiple of 4 bytes.");
        }
        _client.ThrowIfFailed(_client.Memset(Address, value, 4, SizeInBytes / 4, stream?.Handle ?? 0, async: stream is not null), "cuMemsetD32");
    }

    public void Dispose()
    {
        var address = Interlocked.Exchange(ref _address, 0);
        if (address != 0 && _client.IsConnected)
        {
            // A failure here (e.g. a sticky error) must not hide the exception that may be unwinding.
            _client.Free(address);
        }
    }

    private static ulong ByteOffset(long elements) => (ulong)elements * (ulong)Unsafe.SizeOf<T>();

    private void CheckRange(long offset, long count)
    {
        if (offset < 0 || count < 0 || offset + count > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Elements [{offset}, {offset + count}) are outside the buffer of {Length}.");
        }
    }
}
