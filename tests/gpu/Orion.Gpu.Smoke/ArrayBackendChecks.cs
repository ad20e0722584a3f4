using Orion.Gpu.Tests;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Cuda;

namespace Orion.Gpu.Smoke;

/// <summary>
/// CUDA arrays, 3D copies, texture and surface objects through the CUDA driver backend
/// (<see cref="IGpuArrayContext"/>), as the arrays area of a session uses them: the structs
/// (CUDA_ARRAY3D_DESCRIPTOR, CUDA_MEMCPY3D, CUDA_RESOURCE_DESC, CUDA_TEXTURE_DESC) meet the real driver here.
/// </summary>
internal sealed class ArrayBackendChecks(CheckRunner runner)
{
    private const uint SurfaceLoadStore = 0x02;

    public void RunAll()
    {
        runner.Run("backend: arrays, 3D copies, texture and surface objects", Arrays);
    }

    private static unsafe string Arrays()
    {
        Expect.True(GpuBackendProvider.TryCreateCudaDriver(out IGpuBackend? backend, out string reason), "TryCreateCudaDriver: " + reason);
        using (backend)
        {
            Expect.Status(CudaStatus.Success, backend!.CreateContext(0, out IGpuContext? context), "CreateContext");
            using (context)
            {
                var arrays = (IGpuArrayContext)context!;
                const int W = 67, H = 45, Wide = 128;
                var image = new float[W * H];
                for (int i = 0; i < image.Length; i++)
                {
                    image[i] = i * 0.5f;
                }

                Expect.Ok(arrays.CreateArray(new ArrayDescriptor(W, H, 0, ArrayFormat.Float, 1, SurfaceLoadStore), out GpuArrayHandle array), "cuArray3DCreate_v2");
                var back = new float[Wide * H];
                fixed (float* source = image)
                fixed (float* destination = back)
                {
                    Expect.Ok(arrays.Copy3D(new MemoryCopy3D(CopySide3D.Linear(MemoryLocation.Host, (ulong)source, W * 4, 0), CopySide3D.InArray(array, 0, 0, 0), W * 4, H, 1)),
                        "cuMemcpy3D_v2 host to array");
                    Expect.Ok(arrays.Copy3D(new MemoryCopy3D(CopySide3D.InArray(array, 0, 0, 0), CopySide3D.Linear(MemoryLocation.Host, (ulong)destination, Wide * 4, 0), W * 4, H, 1)),
                        "cuMemcpy3D_v2 array to host");
                }

                for (int y = 0; y < H; y++)
                {
                    Expect.SameBits(image.AsSpan(y * W, W), back.AsSpan(y * Wide, W), $"row {y}");
                }

                // A 3D array: host slices 7 rows apart in, array to array, array to device, device to host.
                const int X = 6, Y = 5, Z = 4, Row = X * 4;
                var volume = new byte[Row * 7 * Z];
                new Random(3).NextBytes(volume);
                Expect.Ok(arrays.CreateArray(new ArrayDescriptor(X, Y, Z, ArrayFormat.UnsignedInt8, 4, 0), out GpuArrayHandle first), "3D array");
                Expect.Ok(arrays.CreateArray(new ArrayDescriptor(X, Y, Z, ArrayFormat.UnsignedInt8, 4, 0), out GpuArrayHandle second), "3D array");
                Expect.Ok(context!.Allocate((ulong)(Row * Y * Z), out ulong device), "cuMemAlloc_v2");
                var packed = new byte[Row * Y * Z];
                fixed (byte* source = volume)
                fixed (byte* destination = packed)
                {
                    Expect.Ok(arrays.Copy3D(new MemoryCopy3D(CopySide3D.Linear(MemoryLocation.Host, (ulong)source, Row, 7), CopySide3D.InArray(first, 0, 0, 0), Row, Y, Z)), "3D host to array");
                    Expect.Ok(arrays.Copy3D(new MemoryCopy3D(CopySide3D.InArray(first, 0, 0, 0), CopySide3D.InArray(second, 0, 0, 0), Row, Y, Z)), "3D array to array");
                    Expect.Ok(arrays.Copy3DAsync(new MemoryCopy3D(CopySide3D.InArray(second, 0, 0, 0), CopySide3D.Linear(MemoryLocation.Device, device, Row, Y), Row, Y, Z), GpuStreamHandle.Null),
                        "3D array to device, stream-ordered");
                    Expect.Ok(context.Synchronize(), "cuCtxSynchronize");
                    Expect.Ok(context.CopyDeviceToHost((nint)destination, device, (ulong)packed.Length), "cuMemcpyDtoH_v2");
                }

                for (int z = 0; z < Z; z++)
                {
                    for (int y = 0; y < Y; y++)
                    {
                        Expect.True(volume.AsSpan(((z * 7) + y) * Row, Row).SequenceEqual(packed.AsSpan(((z * Y) + y) * Row, Row)), $"slice {z} row {y}");
                    }
                }

                // Texture objects over the array and over pitched device memory; a surface object.
                var pointClamp = new TextureSampling(1, 1, 1, 0, 0, 0, 0, 0, 0, 0, default);
                Expect.Ok(arrays.CreateTextureObject(GpuTextureResource.OfArray(array), pointClamp, out ulong texture), "cuTexObjectCreate (array)");
                Expect.Ok(context.AllocatePitch(W * 4, H, 4, out ulong pitched, out ulong pitch), "cuMemAllocPitch_v2");
                Expect.Ok(arrays.CreateTextureObject(GpuTextureResource.OfPitch2D(pitched, ArrayFormat.Float, 1, W, H, pitch), pointClamp with { FilterMode = 1 }, out ulong overMemory),
                    "cuTexObjectCreate (pitch2D, linear filter)");
                Expect.Ok(arrays.CreateSurfaceObject(array, out ulong surface), "cuSurfObjectCreate");
                Expect.True(texture != 0 && overMemory != 0 && surface != 0, "object values are not 0");
                // Driver 580 makes a surface object over an array created without SURFACE_LDST (seen on the H200).
                Expect.Ok(arrays.CreateSurfaceObject(first, out ulong overPlain), "cuSurfObjectCreate (array without SURFACE_LDST)");
                Expect.Ok(arrays.DestroySurfaceObject(overPlain), "cuSurfObjectDestroy (array without SURFACE_LDST)");
                Expect.Ok(arrays.GetTexture1DLinearMaxWidth(ArrayFormat.Float, 4, out ulong linearWidth), "cuDeviceGetTexture1DLinearMaxWidth");
                Expect.Ok(arrays.DestroyTextureObject(texture), "cuTexObjectDestroy");
                Expect.Ok(arrays.DestroyTextureObject(overMemory), "cuTexObjectDestroy");
                Expect.Ok(arrays.DestroySurfaceObject(surface), "cuSurfObjectDestroy");
                Expect.Ok(arrays.DestroyArray(array), "cuArrayDestroy");
                Expect.Ok(arrays.DestroyArray(first), "cuArrayDestroy");
                Expect.Ok(arrays.DestroyArray(second), "cuArrayDestroy");
                Expect.Status(CudaStatus.InvalidHandle, arrays.DestroyArray(array), "a destroyed array");
                return $"2D and 3D copies exact; objects 0x{texture:x}, 0x{overMemory:x}, surface 0x{surface:x}; 1D linear max {linearWidth} float4";
            }
        }
    }
}
