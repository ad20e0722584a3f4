using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Copies over TCP against the emulated device: the bytes that arrive are the bytes sent, for every size, pitch, direction and
/// compression mode; the server overlaps the network with the device's copies (seen in the order of the operations it asks
/// of the device, not by timing); the handshake settles compression as both sides allow.
/// </summary>
public sealed class CopyPipelineTests : RemoteCudaTestBase
{
    private readonly ConcurrentQueue<EmulatedOperation> _operations = new();

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new TcpTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(TcpTransport.Scheme, "127.0.0.1", 0);

    public static TheoryData<ChunkCompression> Modes => [ChunkCompression.Off, ChunkCompression.On, ChunkCompression.Auto];

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Copies_of_many_sizes_arrive_intact_both_ways_in_every_compression_mode(ChunkCompression mode)
    {
        var client = await ConnectAsync(Server, new RemoteCudaClientOptions { Compression = mode });
        Assert.Equal(mode, client.Compression);
        // Inline, exactly one chunk, one byte over, many chunks and a ragged end; of zeros, random bytes and a float tensor.
        var chunk = ChunkBytes;
        foreach (var size in new[] { 1, ProtocolLimits.MaxInlineDataBytes, ProtocolLimits.MaxInlineDataBytes + 1, chunk, chunk + 1, (5 * chunk) + 12345 })
        {
            foreach (var kind in new[] { DataKind.Zeros, DataKind.Random, DataKind.Floats })
            {
                var data = Make(kind, size);
                Assert.Equal(CudaStatus.Success, client.Allocate((ulong)size, out var device));
                using var source = new NativeBuffer(data);
                using var back = new NativeBuffer(new byte[size]);
                Assert.Equal(CudaStatus.Success, client.CopyHostToDevice(device, source.Address, (ulong)size));
                Assert.Equal(CudaStatus.Success, client.CopyDeviceToHost(back.Address, device, (ulong)size));
                Assert.True(data.AsSpan().SequenceEqual(back.Bytes), $"{kind} data of {size} bytes changed on the way ({mode})");

                // The stream-ordered twins too.
                using var again = new NativeBuffer(new byte[size]);
                Assert.Equal(CudaStatus.Success, client.CreateStream(0, 0, out var stream));
                Assert.Equal(CudaStatus.Success, client.CopyHostToDeviceAsync(device, source.Address, (ulong)size, stream));
                Assert.Equal(CudaStatus.Success, client.CopyDeviceToHostAsync(again.Address, device, (ulong)size, stream));
                Assert.Equal(CudaStatus.Success, client.SynchronizeStream(stream));
                Assert.True(data.AsSpan().SequenceEqual(again.Bytes), $"{kind} data of {size} bytes changed on a stream ({mode})");
                Assert.Equal(CudaStatus.Success, client.Free(device));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Pitched_copies_arrive_intact_both_ways_in_every_compression_mode(ChunkCompression mode)
    {
        var client = await ConnectAsync(Server, new RemoteCudaClientOptions { Compression = mode });
        // Rows narrower than the pitch on both sides; many rows per chunk, a row of almost a chunk, and rows wider than a chunk (column bands).
        foreach (var (width, height) in new[] { (100, 3000), (ChunkBytes - 7, 5), (ChunkBytes + 300, 4), (64, 300) })
        {
            var hostPitch = width + 29;
            Assert.Equal(CudaStatus.Success, client.AllocatePitch((ulong)width, (ulong)height, 4, out var device, out var devicePitch));
            var data = Make(DataKind.Floats, hostPitch * height);
            using var source = new NativeBuffer(data);
            using var back = new NativeBuffer(new byte[hostPitch * height]);
            Assert.Equal(CudaStatus.Success, client.Copy2D(MemoryKind.Host, (ulong)source.Address, (ulong)hostPitch, MemoryKind.Device, device, devicePitch, (ulong)width, (ulong)height));
            Assert.Equal(CudaStatus.Success, client.Copy2D(MemoryKind.Device, device, devicePitch, MemoryKind.Host, (ulong)back.Address, (ulong)hostPitch, (ulong)width, (ulong)height));
            for (var row = 0; row < height; row++)
            {
                Assert.True(data.AsSpan(row * hostPitch, width).SequenceEqual(back.Bytes.Slice(row * hostPitch, width)), $"row {row} of {width}x{height} changed ({mode})");
                Assert.True(back.Bytes.Slice((row * hostPitch) + width, hostPitch - width).IndexOfAnyExcept((byte)0) < 0, "bytes between the rows were written");
            }
            Assert.Equal(CudaStatus.Success, client.Free(device));
        }
    }

    [Fact]
    public async Task The_server_receives_the_next_chunk_before_it_waits_for_the_previous_chunks_copy_to_the_device()
    {
        var (server, _) = await StartObservedServerAsync();
        var client = await ConnectAsync(server);
        const int chunks = 6;
        var data = Make(DataKind.Random, chunks * ChunkBytes);
        Assert.Equal(CudaStatus.Success, client.Allocate((ulong)data.Length, out var device));
        using var source = new NativeBuffer(data);
        _operations.Clear();
        Assert.Equal(CudaStatus.Success, client.CopyHostToDevice(device, source.Address, (ulong)data.Length));

        AssertOverlapped(EmulatedOperationKind.CopyToDeviceQueued, chunks, device);
    }

    [Fact]
    public async Task The_device_copies_the_next_chunk_before_the_server_waits_for_the_chunk_it_sends()
    {
        var (server, _) = await StartObservedServerAsync();
        var client = await ConnectAsync(server);
        const int chunks = 6;
        var data = Make(DataKind.Random, chunks * ChunkBytes);
        Assert.Equal(CudaStatus.Success, client.Allocate((ulong)data.Length, out var device));
        using var source = new NativeBuffer(data);
        using var back = new NativeBuffer(new byte[data.Length]);
        Assert.Equal(CudaStatus.Success, client.CopyHostToDevice(device, source.Address, (ulong)data.Length));
        _operations.Clear();
        Assert.Equal(CudaStatus.Success, client.CopyDeviceToHost(back.Address, device, (ulong)data.Length));

        AssertOverlapped(EmulatedOperationKind.CopyFromDeviceQueued, chunks, device);
        Assert.True(data.AsSpan().SequenceEqual(back.Bytes));
    }

    /// <summary>
    /// Each chunk's copy is queued (for data to the device: after the chunk came from the network) before the server waits
    /// for the previous chunk's copy, through two staging buffers taken in turn; every copy is waited for before the call ends.
    /// </summary>
    private void AssertOverlapped(EmulatedOperationKind copyKind, int chunks, ulong device)
    {
        var operations = _operations.ToArray();
        var copies = operations.Select((operation, index) => (operation, index)).Where(entry => entry.operation.Kind == copyKind).ToArray();
        Assert.Equal(chunks, copies.Length);
        for (var k = 0; k < chunks; k++)
        {
            Assert.Equal(device + (ulong)(k * ChunkBytes), copies[k].operation.Device);
        }
        Assert.Equal(2, copies.Select(copy => copy.operation.Host).Distinct().Count());
        Assert.NotEqual(copies[0].operation.Host, copies[1].operation.Host);
        for (var k = 0; k + 1 < chunks; k++)
        {
            // The event recorded right after chunk k's copy, and the wait for it.
            var recorded = Array.FindIndex(operations, copies[k].index, operation => operation.Kind == EmulatedOperationKind.EventRecorded);
            Assert.True(recorded > copies[k].index, $"no event follows chunk {k}'s copy: the copy is not stream-ordered and tracked");
            var waited = Array.FindIndex(operations, recorded, operation => operation.Kind == EmulatedOperationKind.EventWaited && operation.Handle == operations[recorded].Handle);
            Assert.True(waited > recorded, $"chunk {k}'s copy was never waited for");
            Assert.True(copies[k + 1].index < waited, $"chunk {k + 1}'s copy was queued only after chunk {k}'s copy was waited for: no overlap");
        }
        Assert.DoesNotContain(operations, operation => operation.Kind == EmulatedOperationKind.StreamWaited);
    }

    public static TheoryData<ChunkCompression, bool, ChunkCompression> Negotiations => new()
    {
        { ChunkCompression.Off, true, ChunkCompression.Off },
        { ChunkCompression.On, true, ChunkCompression.On },
        { ChunkCompression.Auto, true, ChunkCompression.Auto },
        { ChunkCompression.Off, false, ChunkCompression.Off },
        { ChunkCompression.On, false, ChunkCompression.Off },
        { ChunkCompression.Auto, false, ChunkCompression.Off },
    };

    [Theory]
    [MemberData(nameof(Negotiations))]
    public async Task The_handshake_settles_compression_as_both_sides_allow_and_copies_work_either_way(ChunkCompression asked, bool serverAllows, ChunkCompression agreed)
    {
        var (server, _) = await StartServerAsync(options => options.AllowCompression = serverAllows);
        var client = await ConnectAsync(server, new RemoteCudaClientOptions { Compression = asked });
        Assert.Equal(agreed, client.Compression);
        var size = 3 * ChunkBytes;
        var data = Make(DataKind.Zeros, size);
        Assert.Equal(CudaStatus.Success, client.Allocate((ulong)size, out var device));
        using var source = new NativeBuffer(data);
        using var back = new NativeBuffer(Make(DataKind.Random, size));
        Assert.Equal(CudaStatus.Success, client.CopyHostToDevice(device, source.Address, (ulong)size));
        Assert.Equal(CudaStatus.Success, client.CopyDeviceToHost(back.Address, device, (ulong)size));
        Assert.True(data.AsSpan().SequenceEqual(back.Bytes));
        var (compressed, raw) = client.SentChunks;
        switch (agreed)
        {
            case ChunkCompression.Off:
                Assert.Equal((0L, 0L), (compressed, raw));
                break;
            case ChunkCompression.On:
                Assert.Equal((3L, 0L), (compressed, raw)); // zeros always shrink
                break;
            default:
                Assert.Equal(3L, compressed + raw); // auto: each chunk went one way or the other, with a header
                break;
        }
    }

    [Fact]
    public async Task Auto_sends_random_bytes_as_they_are_over_loopback()
    {
        var client = await ConnectAsync(Server, new RemoteCudaClientOptions { Compression = ChunkCompression.Auto });
        var size = 20 * ChunkBytes;
        Assert.Equal(CudaStatus.Success, client.Allocate((ulong)size, out var device));
        using var source = new NativeBuffer(Make(DataKind.Random, size));
        Assert.Equal(CudaStatus.Success, client.CopyHostToDevice(device, source.Address, (ulong)size));
        // Random bytes do not shrink, so whatever the link measured, compressing them never pays.
        Assert.Equal((0L, 20L), client.SentChunks);
    }

    private Task<(OrionServer Server, EmulatedGpuBackend Backend)> StartObservedServerAsync() => StartServerAsync(observer: _operations.Enqueue);

    internal enum DataKind
    {
        Zeros,
        Random,
        Floats,
    }

    /// <summary>Test data: zeros, random bytes, or float32 weights from a normal distribution (what a model's tensors hold).</summary>
    internal static byte[] Make(DataKind kind, int size)
    {
        var data = new byte[size];
        var random = new Random(size);
        switch (kind)
        {
            case DataKind.Random:
                random.NextBytes(data);
                break;
            case DataKind.Floats:
                var floats = MemoryMarshal.Cast<byte, float>(data.AsSpan(0, size / 4 * 4));
                for (var i = 0; i < floats.Length; i++)
                {
                    // Box-Muller: normal weights with a small spread, as trained weights have.
                    var u = 1 - random.NextDouble();
                    floats[i] = (float)(0.02 * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble()));
                }
                break;
        }
        return data;
    }

    /// <summary>Host memory outside the GC heap, as an application's buffer is.</summary>
    private sealed unsafe class NativeBuffer : IDisposable
    {
        private readonly int _length;

        public NativeBuffer(byte[] contents)
        {
            _length = contents.Length;
            Address = (nint)NativeMemory.Alloc((nuint)Math.Max(1, _length));
            contents.CopyTo(Bytes);
        }

        public nint Address { get; }

        public Span<byte> Bytes => new((void*)Address, _length);

        public void Dispose() => NativeMemory.Free((void*)Address);
    }
}
