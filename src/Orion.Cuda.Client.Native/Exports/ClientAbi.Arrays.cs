using Orion.Cuda.Remote;
using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>
/// orion_client.h: CUDA arrays, box copies with them, texture and surface objects. Arrays are handles of
/// the device's session; a stream given with an array copy must belong to that session too.
/// </summary>
internal static unsafe partial class ClientAbi
{
    private const int TextureModeCount = 7;
    private const int TextureLevelCount = 7;

    public static int ArrayCreate(int device, ulong width, ulong height, ulong depth, int format, int channels, uint flags, ulong* array)
    {
        if (array is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *array = 0;
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.CreateArray(width, height, depth, (ArrayFormat)(uint)format, (uint)channels, flags, out var handle);
        *array = handle;
        return ExportGuard.Status(status);
    }

    public static int ArrayDestroy(int device, ulong array)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.DestroyArray(array));
    }

    public static int MemcpyHtoa(int device, ulong destinationArray, ulong destinationX, ulong destinationY, ulong destinationZ, void* source,
        ulong sourcePitch, ulong sourceHeight, ulong width, ulong height, ulong depth, ulong stream, int async)
    {
        var client = ForArray(device, ref stream, out var error);
        return client is null
            ? error
            : ExportGuard.Status(client.CopyHostToArray(new ArrayPosition(destinationArray, destinationX, destinationY, destinationZ),
                new PitchedMemory((ulong)source, sourcePitch, sourceHeight), new CopyExtent(width, height, depth), stream, async != 0));
    }

    public static int MemcpyAtoh(int device, void* destination, ulong destinationPitch, ulong destinationHeight, ulong sourceArray, ulong sourceX,
        ulong sourceY, ulong sourceZ, ulong width, ulong height, ulong depth, ulong stream, int async)
    {
        var client = ForArray(device, ref stream, out var error);
        return client is null
            ? error
            : ExportGuard.Status(client.CopyArrayToHost(new PitchedMemory((ulong)destination, destinationPitch, destinationHeight),
                new ArrayPosition(sourceArray, sourceX, sourceY, sourceZ), new CopyExtent(width, height, depth), stream, async != 0));
    }

    public static int MemcpyDtoa(int device, ulong destinationArray, ulong destinationX, ulong destinationY, ulong destinationZ, ulong source,
        ulong sourcePitch, ulong sourceHeight, ulong width, ulong height, ulong depth, ulong stream, int async)
    {
        var client = ForArray(device, ref stream, out var error);
        return client is null
            ? error
            : ExportGuard.Status(client.CopyDeviceToArray(new ArrayPosition(destinationArray, destinationX, destinationY, destinationZ),
                new PitchedMemory(source, sourcePitch, sourceHeight), new CopyExtent(width, height, depth), stream, async != 0));
    }

    public static int MemcpyAtod(int device, ulong destination, ulong destinationPitch, ulong destinationHeight, ulong sourceArray, ulong sourceX,
        ulong sourceY, ulong sourceZ, ulong width, ulong height, ulong depth, ulong stream, int async)
    {
        var client = ForArray(device, ref stream, out var error);
        return client is null
            ? error
            : ExportGuard.Status(client.CopyArrayToDevice(new PitchedMemory(destination, destinationPitch, destinationHeight),
                new ArrayPosition(sourceArray, sourceX, sourceY, sourceZ), new CopyExtent(width, height, depth), stream, async != 0));
    }

    public static int MemcpyAtoa(int device, ulong destinationArray, ulong destinationX, ulong destinationY, ulong destinationZ, ulong sourceArray,
        ulong sourceX, ulong sourceY, ulong sourceZ, ulong width, ulong height, ulong depth, ulong stream, int async)
    {
        var client = ForArray(device, ref stream, out var error);
        return client is null
            ? error
            : ExportGuard.Status(client.CopyArrayToArray(new ArrayPosition(destinationArray, destinationX, destinationY, destinationZ),
                new ArrayPosition(sourceArray, sourceX, sourceY, sourceZ), new CopyExtent(width, height, depth), stream, async != 0));
    }

    public static int TextureObjectCreate(int device, int resourceType, ulong resource, int format, int channels, ulong width, ulong height, ulong pitch,
        uint* modes, float* levels, ulong* textureObject)
    {
        if (modes is null || levels is null || textureObject is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *textureObject = 0;
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var isArray = resourceType == 0;
        var description = new TextureResource((uint)resourceType, isArray ? resource : 0, isArray ? 0 : resource, (uint)format, (uint)channels,
            width, height, pitch);
        var mode = new ReadOnlySpan<uint>(modes, TextureModeCount);
        var level = new ReadOnlySpan<float>(levels, TextureLevelCount);
        var sampling = new TextureSampling(mode[0], mode[1], mode[2], mode[3], mode[4], mode[5], mode[6], level[0], level[1], level[2],
            new BorderColor(level[3], level[4], level[5], level[6]));
        var status = client.CreateTextureObject(description, sampling, out var created);
        *textureObject = created;
        return ExportGuard.Status(status);
    }

    public static int TextureObjectDestroy(int device, ulong textureObject)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.DestroyTextureObject(textureObject));
    }

    public static int SurfaceObjectCreate(int device, ulong array, ulong* surfaceObject)
    {
        if (surfaceObject is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *surfaceObject = 0;
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.CreateSurfaceObject(array, out var created);
        *surfaceObject = created;
        return ExportGuard.Status(status);
    }

    public static int SurfaceObjectDestroy(int device, ulong surfaceObject)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.DestroySurfaceObject(surfaceObject));
    }

    public static int Texture1dLinearMaxWidth(int device, int format, int channels, ulong* width)
    {
        if (width is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *width = 0;
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetTexture1DLinearMaxWidth((ArrayFormat)(uint)format, (uint)channels, out var elements);
        *width = elements;
        return ExportGuard.Status(status);
    }

    /// <summary>The device's session, with <paramref name="stream"/> made local; an array copy and its stream must share the session.</summary>
    private static RemoteCudaClient? ForArray(int device, ref ulong stream, out int error)
    {
        var runtime = ExportGuard.Runtime(out error);
        var client = runtime?.Select(device, out error);
        if (runtime is null || client is null)
        {
            return null;
        }
        var streamClient = runtime.SelectForHandle(device, stream, out stream, out error);
        if (streamClient is null)
        {
            return null;
        }
        if (!ReferenceEquals(client, streamClient))
        {
            error = CudaErrorCodes.InvalidResourceHandle;
            return null;
        }
        return client;
    }
}
