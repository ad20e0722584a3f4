using System.Runtime.InteropServices;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// CUDA arrays, box copies and texture and surface objects through the SDK, the wire and the server
/// to the emulated device (64 KiB chunks, so wide rows cross chunk and band boundaries).
/// </summary>
public sealed class ArrayTests : RemoteCudaTestBase
{
    private const uint SurfaceLoadStore = 0x02;
    private const uint Layered = 0x01;

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    private RemoteCudaClient Client => Gpu.Client;

    private static TextureSampling PointClamp => new(1, 1, 1, 0, 0, 0, 0, 0, 0, 0, default);

    private ulong CreateArray(ulong width, ulong height, ulong depth, ArrayFormat format, uint channels, uint flags = 0)
    {
        Assert.Equal(CudaStatus.Success, Client.CreateArray(width, height, depth, format, channels, flags, out var array));
        Assert.NotEqual(0UL, array);
        return array;
    }

    private static unsafe CudaStatus CopyFirstRow(RemoteCudaClient client, ulong array)
    {
        var buffer = new float[4];
        fixed (float* destination = buffer)
        {
            return client.CopyArrayToHost(new PitchedMemory((ulong)destination, 16), new ArrayPosition(array), new CopyExtent(16));
        }
    }

    private static float[] Image(int w, int h) =>
        [.. Enumerable.Range(0, w * h).Select(i => (float)(((i % w) * 7) + ((i / w) * 13)) % 32 / 4f)];

    [Fact]
    public unsafe void Host_rows_go_into_an_array_and_come_back_with_other_pitches_and_sub_boxes()
    {
        const int W = 67, H = 45, WidePitch = 128;
        var image = Image(W, H);
        var array = CreateArray(W, H, 0, ArrayFormat.Float, 1);
        fixed (float* source = image)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyHostToArray(new ArrayPosition(array), new PitchedMemory((ulong)source, W * 4), new CopyExtent(W * 4, H)));
        }
        var back = new float[WidePitch * H];
        Array.Fill(back, -7f);
        fixed (float* destination = back)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyArrayToHost(new PitchedMemory((ulong)destination, WidePitch * 4), new ArrayPosition(array), new CopyExtent(W * 4, H)));
        }
        for (var y = 0; y < H; y++)
        {
            Assert.Equal(image.AsSpan(y * W, W).ToArray(), back.AsSpan(y * WidePitch, W).ToArray());
            Assert.All(back.AsSpan((y * WidePitch) + W, WidePitch - W).ToArray(), v => Assert.Equal(-7f, v)); // the host padding is untouched
        }
        // Columns 10..19 of rows 5..7, as cudaMemcpy2DFromArray with an offset asks.
        var sub = new float[30];
        fixed (float* destination = sub)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyArrayToHost(new PitchedMemory((ulong)destination, 40), new ArrayPosition(array, 40, 5), new CopyExtent(40, 3)));
        }
        for (var r = 0; r < 3; r++)
        {
            Assert.Equal(image.AsSpan(((5 + r) * W) + 10, 10).ToArray(), sub.AsSpan(r * 10, 10).ToArray());
        }
        Assert.Equal(CudaStatus.Success, Client.DestroyArray(array));
    }

    [Fact]
    public unsafe void Rows_wider_than_a_chunk_travel_as_bands_both_ways()
    {
        const int W = 20_000, H = 3; // 320000-byte rows of float4: five 64 KiB bands each
        var data = new float[W * 4 * H];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = i * 0.25f;
        }
        var array = CreateArray(W, H, 0, ArrayFormat.Float, 4);
        var back = new float[data.Length];
        fixed (float* source = data)
        fixed (float* destination = back)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyHostToArray(new ArrayPosition(array), new PitchedMemory((ulong)source, W * 16), new CopyExtent(W * 16, H)));
            Assert.Equal(CudaStatus.Success, Client.CopyArrayToHost(new PitchedMemory((ulong)destination, W * 16), new ArrayPosition(array), new CopyExtent(W * 16, H), async: true));
        }
        Assert.Equal(data, back);
    }

    [Fact]
    public unsafe void Three_dimensional_boxes_move_between_host_device_and_arrays()
    {
        // A 6x5x4 array of uchar4; host slices 7 rows apart (taller than the 5 copied).
        const int W = 6, H = 5, D = 4, Row = W * 4, SliceRows = 7;
        var host = new byte[Row * SliceRows * D];
        new Random(5).NextBytes(host);
        var array = CreateArray(W, H, D, ArrayFormat.UnsignedInt8, 4);
        fixed (byte* source = host)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyHostToArray(new ArrayPosition(array), new PitchedMemory((ulong)source, Row, SliceRows), new CopyExtent(Row, H, D), async: true));
        }
        // Array -> device (pitch 32, 6 rows a slice) -> another array -> host, packed.
        using var device = Gpu.Allocate<byte>(32 * 6 * D);
        Assert.Equal(CudaStatus.Success, Client.CopyArrayToDevice(new PitchedMemory(device.Address, 32, 6), new ArrayPosition(array), new CopyExtent(Row, H, D)));
        var other = CreateArray(W, H, D, ArrayFormat.UnsignedInt8, 4);
        Assert.Equal(CudaStatus.Success, Client.CopyDeviceToArray(new ArrayPosition(other), new PitchedMemory(device.Address, 32, 6), new CopyExtent(Row, H, D)));
        var copy = CreateArray(W, H, D, ArrayFormat.UnsignedInt8, 4);
        Assert.Equal(CudaStatus.Success, Client.CopyArrayToArray(new ArrayPosition(copy), new ArrayPosition(other), new CopyExtent(Row, H, D)));
        var back = new byte[Row * H * D];
        fixed (byte* destination = back)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyArrayToHost(new PitchedMemory((ulong)destination, Row, H), new ArrayPosition(copy), new CopyExtent(Row, H, D)));
        }
        for (var z = 0; z < D; z++)
        {
            for (var y = 0; y < H; y++)
            {
                Assert.Equal(host.AsSpan(((z * SliceRows) + y) * Row, Row).ToArray(), back.AsSpan(((z * H) + y) * Row, Row).ToArray());
            }
        }
        // One element of one slice, at an offset: slice 2, row 3, element 4.
        var element = new byte[4];
        fixed (byte* destination = element)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyArrayToHost(new PitchedMemory((ulong)destination, 4), new ArrayPosition(copy, 16, 3, 2), new CopyExtent(4)));
        }
        Assert.Equal(host.AsSpan((((2 * SliceRows) + 3) * Row) + 16, 4).ToArray(), element);
    }

    [Fact]
    public unsafe void A_box_outside_its_array_or_allocation_is_refused_and_changes_nothing()
    {
        var array = CreateArray(8, 4, 0, ArrayFormat.SignedInt32, 1);
        var zeros = new int[32];
        var ones = Enumerable.Repeat(1, 40).ToArray();
        fixed (int* source = ones)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyHostToArray(new ArrayPosition(array), new PitchedMemory((ulong)source, 32), new CopyExtent(32, 4)));
            // One column too far, one row too far, a second slice of a 2D array.
            Assert.Equal(CudaStatus.InvalidValue, Client.CopyHostToArray(new ArrayPosition(array, 4), new PitchedMemory((ulong)source, 32), new CopyExtent(32, 1)));
            Assert.Equal(CudaStatus.InvalidValue, Client.CopyHostToArray(new ArrayPosition(array, 0, 1), new PitchedMemory((ulong)source, 32), new CopyExtent(32, 4)));
            Assert.Equal(CudaStatus.InvalidValue, Client.CopyHostToArray(new ArrayPosition(array, 0, 0, 1), new PitchedMemory((ulong)source, 32), new CopyExtent(32, 1)));
        }
        using var small = Gpu.Allocate<int>(8);
        Assert.Equal(CudaStatus.InvalidValue, Client.CopyArrayToDevice(new PitchedMemory(small.Address, 32), new ArrayPosition(array), new CopyExtent(32, 2)));
        Assert.Equal(CudaStatus.InvalidValue, Client.CopyDeviceToArray(new ArrayPosition(array), new PitchedMemory(small.Address + 16, 32), new CopyExtent(32, 1)));
        Assert.Equal(CudaStatus.InvalidValue, Client.CopyDeviceToArray(new ArrayPosition(array), new PitchedMemory(small.Address, 16), new CopyExtent(32, 2)));
        Assert.Equal(CudaStatus.InvalidHandle, Client.CopyArrayToDevice(new PitchedMemory(small.Address, 32), new ArrayPosition(array + 1000), new CopyExtent(4)));
        var back = new int[32];
        fixed (int* destination = back)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyArrayToHost(new PitchedMemory((ulong)destination, 32), new ArrayPosition(array), new CopyExtent(32, 4)));
        }
        Assert.Equal(ones[..32], back);
        Assert.NotEqual(zeros, back);
    }

    [Fact]
    public void Arrays_that_no_device_can_hold_are_refused_before_allocation()
    {
        Assert.Equal(CudaStatus.InvalidValue, Client.CreateArray(0, 4, 0, ArrayFormat.Float, 1, 0, out _));
        Assert.Equal(CudaStatus.InvalidValue, Client.CreateArray(4, 4, 0, ArrayFormat.Float, 3, 0, out _));
        Assert.Equal(CudaStatus.InvalidValue, Client.CreateArray(4, 4, 0, (ArrayFormat)0x55, 1, 0, out _));
        // Beyond the wire's extent limit: the encoder refuses it and nothing is sent.
        Assert.Equal(CudaStatus.InvalidValue, Client.CreateArray(ArrayLimits.MaxExtent + 1, 1, 0, ArrayFormat.Float, 1, 0, out _));
        // Within the wire's limits but beyond the device: 16384^3 float4 is 64 TiB.
        Assert.Equal(CudaStatus.OutOfMemory, Client.CreateArray(16384, 16384, 16384, ArrayFormat.Float, 4, 0, out _));
        // A 3D shape past the emulated device's 3D texture limit, and more memory than it has.
        Assert.Equal(CudaStatus.InvalidValue, Client.CreateArray(20000, 2, 2, ArrayFormat.Float, 1, 0, out _));
        Assert.Equal(CudaStatus.OutOfMemory, Client.CreateArray(16384, 16384, 2, ArrayFormat.Float, 1, Layered, out _));
        // The session still works.
        TestKernels.AssertVectorAddWorks(Gpu, 100);
    }

    [Fact]
    public unsafe void A_kernel_samples_a_texture_object_with_point_and_linear_filtering()
    {
        const int W = 67, H = 45;
        var image = Image(W, H);
        var array = CreateArray(W, H, 0, ArrayFormat.Float, 1);
        fixed (float* source = image)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyHostToArray(new ArrayPosition(array), new PitchedMemory((ulong)source, W * 4), new CopyExtent(W * 4, H)));
        }
        var resource = new TextureResource(TextureResource.ArrayKind, array, 0, 0, 0, 0, 0, 0);
        Assert.Equal(CudaStatus.Success, Client.CreateTextureObject(resource, PointClamp, out var point));
        Assert.Equal(CudaStatus.Success, Client.CreateTextureObject(resource, PointClamp with { FilterMode = 1 }, out var linear));
        Assert.NotEqual(point, linear);
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var sample = module.GetKernel("sampleTexture");
        using var output = Gpu.Allocate<float>(W * H);

        // Point sampling three texels to the left: clamped at the left edge.
        sample.Launch(1, 1, point, output, W, H, -3f, 0f);
        var shifted = output.ToArray();
        for (var y = 0; y < H; y++)
        {
            for (var x = 0; x < W; x++)
            {
                Assert.Equal(image[(y * W) + Math.Max(x - 3, 0)], shifted[(y * W) + x]);
            }
        }
        // Bilinear at quarter-texel offsets, clamped at the right and bottom edges.
        const float Dx = 0.25f, Dy = 0.75f;
        sample.Launch(1, 1, linear, output, W, H, Dx, Dy);
        var filtered = output.ToArray();
        float At(int x, int y) => image[(Math.Min(y, H - 1) * W) + Math.Min(x, W - 1)];
        for (var y = 0; y < H; y++)
        {
            for (var x = 0; x < W; x++)
            {
                var expected = ((1 - Dx) * (1 - Dy) * At(x, y)) + (Dx * (1 - Dy) * At(x + 1, y)) + ((1 - Dx) * Dy * At(x, y + 1)) + (Dx * Dy * At(x + 1, y + 1));
                Assert.True(Math.Abs(expected - filtered[(y * W) + x]) < 1e-4, $"({x}, {y}): {filtered[(y * W) + x]} != {expected}");
            }
        }
        Assert.Equal(CudaStatus.Success, Client.DestroyTextureObject(point));
        Assert.Equal(CudaStatus.Success, Client.DestroyTextureObject(linear));
        // Destroyed: a second destroy is refused, and a kernel using it faults the context.
        Assert.Equal(CudaStatus.InvalidValue, Client.DestroyTextureObject(point));
    }

    [Fact]
    public void A_texture_over_pitched_device_memory_reads_the_allocation_with_border_addressing()
    {
        const int W = 5, H = 3, Pitch = 32; // bytes per row
        using var memory = Gpu.Allocate<float>(Pitch / 4 * H);
        var rows = new float[Pitch / 4 * H];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = i + 1;
        }
        memory.CopyFrom(rows);
        var resource = new TextureResource(TextureResource.Pitch2DKind, 0, memory.Address, (uint)ArrayFormat.Float, 1, W, H, Pitch);
        var border = new TextureSampling(3, 3, 3, 0, 0, 0, 0, 0, 0, 0, new BorderColor(-1f, 0, 0, 0));
        Assert.Equal(CudaStatus.Success, Client.CreateTextureObject(resource, border, out var texture));
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        using var output = Gpu.Allocate<float>(W * H);
        module.GetKernel("sampleTexture").Launch(1, 1, texture, output, W, H, 1f, 0f); // one texel to the right
        var sampled = output.ToArray();
        for (var y = 0; y < H; y++)
        {
            for (var x = 0; x < W; x++)
            {
                Assert.Equal(x + 1 < W ? rows[(y * Pitch / 4) + x + 1] : -1f, sampled[(y * W) + x]);
            }
        }
        // Memory outside the session's allocations is refused before the device sees it.
        var outside = resource with { Height = 100 };
        Assert.Equal(CudaStatus.InvalidValue, Client.CreateTextureObject(outside, border, out _));
        Assert.Equal(CudaStatus.InvalidValue, Client.CreateTextureObject(resource with { Kind = TextureResource.LinearKind, Width = 4096 }, border, out _));
        Assert.Equal(CudaStatus.NotSupported, Client.CreateTextureObject(resource with { Kind = TextureResource.MipmappedArrayKind }, border, out _));
    }

    [Fact]
    public unsafe void A_kernel_reads_and_writes_a_surface_object_in_place()
    {
        const int W = 100, H = 60;
        var array = CreateArray(W, H, 0, ArrayFormat.Float, 1, SurfaceLoadStore);
        var values = Enumerable.Range(0, W * H).Select(i => (float)(((i % W) * 3) + ((i / W) * 1000))).ToArray();
        fixed (float* source = values)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyHostToArray(new ArrayPosition(array), new PitchedMemory((ulong)source, W * 4), new CopyExtent(W * 4, H)));
        }
        Assert.Equal(CudaStatus.Success, Client.CreateSurfaceObject(array, out var surface));
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        module.GetKernel("surfaceUpdate").Launch(1, 1, surface, W, H);
        var back = new float[W * H];
        fixed (float* destination = back)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyArrayToHost(new PitchedMemory((ulong)destination, W * 4), new ArrayPosition(array), new CopyExtent(W * 4, H)));
        }
        Assert.Equal(values.Select(v => (v * 0.5f) + 1f).ToArray(), back);
        Assert.Equal(CudaStatus.Success, Client.DestroySurfaceObject(surface));

        // As driver 580 does, a surface object is made over an array created without SURFACE_LDST too.
        var plain = CreateArray(W, H, 0, ArrayFormat.Float, 1);
        Assert.Equal(CudaStatus.Success, Client.CreateSurfaceObject(plain, out var overPlain));
        Assert.Equal(CudaStatus.Success, Client.DestroySurfaceObject(overPlain));
    }

    [Fact]
    public async Task A_session_cannot_use_or_destroy_another_sessions_arrays_and_objects()
    {
        var array = CreateArray(16, 16, 0, ArrayFormat.Float, 1, SurfaceLoadStore);
        Assert.Equal(CudaStatus.Success, Client.CreateTextureObject(new TextureResource(TextureResource.ArrayKind, array, 0, 0, 0, 0, 0, 0), PointClamp, out var texture));
        Assert.Equal(CudaStatus.Success, Client.CreateSurfaceObject(array, out var surface));

        var other = await ConnectAsync(Server);
        Assert.Equal(CudaStatus.InvalidValue, other.DestroyTextureObject(texture));
        Assert.Equal(CudaStatus.InvalidValue, other.DestroySurfaceObject(surface));
        Assert.Equal(CudaStatus.InvalidHandle, other.DestroyArray(array));
        Assert.Equal(CudaStatus.InvalidHandle, other.CreateSurfaceObject(array, out _));
        Assert.Equal(CudaStatus.InvalidHandle, CopyFirstRow(other, array));
        // A kernel of the other session handed this session's values faults only its own context.
        var otherGpu = new RemoteGpu(other);
        using (var module = otherGpu.LoadModule(TestKernels.ModuleImage))
        using (var output = otherGpu.Allocate<float>(1))
        {
            module.GetKernel("sampleTexture").Launch(1, 1, texture, output, 1, 1, 0f, 0f);
            Assert.Equal(CudaStatus.IllegalAddress, other.Synchronize());
        }
        // The owner's objects still work, and it destroys them.
        Assert.Equal(CudaStatus.Success, Client.Synchronize());
        Assert.Equal(CudaStatus.Success, Client.DestroyTextureObject(texture));
        Assert.Equal(CudaStatus.Success, Client.DestroySurfaceObject(surface));
        Assert.Equal(CudaStatus.Success, Client.DestroyArray(array));
        Assert.Equal(CudaStatus.InvalidHandle, Client.DestroyArray(array));
    }

    [Fact]
    public async Task Arrays_and_objects_go_with_their_session()
    {
        var client = await ConnectAsync(Server);
        var baseline = Backend.UsedBytes(0);
        Assert.Equal(CudaStatus.Success, client.CreateArray(1024, 1024, 0, ArrayFormat.Float, 4, SurfaceLoadStore, out var array));
        Assert.Equal(CudaStatus.Success, client.CreateTextureObject(new TextureResource(TextureResource.ArrayKind, array, 0, 0, 0, 0, 0, 0), PointClamp, out _));
        Assert.Equal(CudaStatus.Success, client.CreateSurfaceObject(array, out _));
        Assert.Equal(baseline + (16UL << 20), Backend.UsedBytes(0));
        var contexts = Backend.LiveContextCount;
        await client.DisposeAsync();
        await WaitUntilAsync(() => Backend.LiveContextCount == contexts - 1, "the session's context is destroyed");
        Assert.Equal(baseline, Backend.UsedBytes(0));
    }

    [Fact]
    public void The_texture_1d_linear_limit_comes_from_the_device()
    {
        Assert.Equal(CudaStatus.Success, Client.GetTexture1DLinearMaxWidth(ArrayFormat.Float, 4, out var width));
        Assert.Equal(1UL << 28, width);
        Assert.Equal(CudaStatus.InvalidValue, Client.GetTexture1DLinearMaxWidth(ArrayFormat.Float, 3, out _));
    }

    [Fact]
    public void Element_sizes_follow_format_and_channels()
    {
        Assert.Equal(16u, ArrayFormats.ElementBytes(ArrayFormat.Float, 4));
        Assert.Equal(4u, ArrayFormats.ElementBytes(ArrayFormat.Half, 2));
        Assert.Equal(1u, ArrayFormats.ElementBytes(ArrayFormat.SignedInt8, 1));
        Assert.Equal(0u, ArrayFormats.ElementBytes(ArrayFormat.Float, 3));
        Assert.Equal(Marshal.SizeOf<float>() * 2, (int)ArrayFormats.ElementBytes(ArrayFormat.SignedInt32, 2));
    }
}
