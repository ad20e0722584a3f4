using System.Text;
using Orion.Cuda.Remote.Client;
using Orion.Transport;

namespace Orion.Cuda.Remote;

/// <summary>
/// A GPU on another machine, for .NET code: allocate, copy from and to spans, load modules, launch
/// kernels with typed arguments, streams, events. Thread-safe; built on <see cref="RemoteCudaClient"/>.
/// Failures throw an <see cref="OrionException"/> with a one-line message: <see cref="CudaException"/> (the CUDA
/// error code and name) when a call fails, <see cref="ConnectionLostException"/> once the connection is gone, and from
/// <see cref="ConnectAsync"/> <see cref="ServerUnreachableException"/> or <see cref="RemoteSessionRefusedException"/>.
/// </summary>
public sealed class RemoteGpu : IAsyncDisposable, IDisposable
{
    public RemoteGpu(RemoteCudaClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        Client = client;
    }

    /// <summary>Connects to an Orion server (e.g. <c>tcp://gpu-host:7000</c>), within the options' connect and handshake timeouts.</summary>
    /// <exception cref="ServerUnreachableException">No Orion server answered at <paramref name="endpoint"/> in time.</exception>
    /// <exception cref="RemoteSessionRefusedException">The server refused the session (token, version, capacity).</exception>
    public static async Task<RemoteGpu> ConnectAsync(TransportFactory transports, TransportEndpoint endpoint, RemoteCudaClientOptions? options = null, CancellationToken cancellationToken = default) =>
        new(await RemoteCudaClient.ConnectAsync(transports, endpoint, options, cancellationToken).ConfigureAwait(false));

    /// <summary>The code-returning core underneath, for operations this API does not wrap.</summary>
    public RemoteCudaClient Client { get; }

    public IReadOnlyList<RemoteDeviceInfo> Devices => Client.Devices;

    /// <summary>The device in use (see <see cref="SetDevice"/>).</summary>
    public RemoteDeviceInfo Device => Client.Devices[Client.CurrentDevice];

    public int DriverVersion => Client.DriverVersion;

    public void SetDevice(int device) => Client.ThrowIfFailed(Client.SetDevice(device), "cudaSetDevice");

    /// <summary>Waits for all work on the device; throws the first error of any earlier asynchronous call.</summary>
    public void Synchronize() => Client.ThrowIfFailed(Client.Synchronize(), "cuCtxSynchronize");

    public (ulong Free, ulong Total) GetMemoryInfo()
    {
        Client.ThrowIfFailed(Client.GetMemoryInfo(out var free, out var total), "cuMemGetInfo");
        return (free, total);
    }

    /// <summary>Allocates <paramref name="count"/> elements of device memory.</summary>
    public DeviceBuffer<T> Allocate<T>(long count) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var bytes = checked((ulong)count * (ulong)System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        Client.ThrowIfFailed(Client.Allocate(bytes, out var address), "cuMemAlloc");
        return new DeviceBuffer<T>(Client, address, count);
    }

    /// <summary>Allocates device memory and copies <paramref name="values"/> into it.</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var buffer = Allocate<T>(values.Length);
        try
        {
            buffer.CopyFrom(values);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>Loads a module image: fatbin, cubin, or PTX text as bytes.</summary>
    public RemoteModule LoadModule(ReadOnlySpan<byte> image)
    {
        Client.ThrowIfFailed(Client.LoadModule(image, out var module), "cuModuleLoadData");
        return new RemoteModule(Client, module);
    }

    /// <summary>Loads a module from PTX source text.</summary>
    public RemoteModule LoadPtx(string ptx)
    {
        ArgumentNullException.ThrowIfNull(ptx);
        return LoadModule(Encoding.UTF8.GetBytes(ptx));
    }

    public RemoteStream CreateStream(uint flags = 0, int priority = 0)
    {
        Client.ThrowIfFailed(Client.CreateStream(flags, priority, out var stream), "cuStreamCreateWithPriority");
        return new RemoteStream(Client, stream);
    }

    public RemoteEvent CreateEvent(uint flags = 0)
    {
        Client.ThrowIfFailed(Client.CreateEvent(flags, out var gpuEvent), "cuEventCreate");
        return new RemoteEvent(Client, gpuEvent);
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();

    public void Dispose() => Client.Dispose();
}
