using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote;
using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.Rdma;
using Orion.Transport.SharedMemory;
using Orion.Transport.Tcp;

namespace Orion.Cuda.Client.Native;

/// <summary>
/// The process-wide state behind the exports: the sessions with the servers of ORION_SERVER and
/// the device numbering across them. Created once by orion_initialize; never torn down (the
/// process's exit closes the connections, and the server frees everything of a closed session).
/// </summary>
internal sealed class ClientRuntime
{
    // Stream and event handles carry their server in the top byte so that a handle used while
    // another server's device is current still reaches its own server.
    private const int ServerShift = 56;
    private const ulong LocalHandleMask = (1UL << ServerShift) - 1;
    private const ulong PerThreadDefaultStream = 2;

    private static readonly Lock InitializeLock = new();
    private static ClientRuntime? s_current;
    private static int s_initializeResult = CudaErrorCodes.NoDevice;
    private static bool s_initialized;

    private readonly RemoteDevice[] _devices;
    private readonly RemoteCudaClient[] _clients;

    private ClientRuntime(RemoteCudaClient[] clients, RemoteDevice[] devices)
    {
        _clients = clients;
        _devices = devices;
    }

    public static ClientRuntime? Current => Volatile.Read(ref s_current);

    public int DeviceCount => _devices.Length;

    public int DriverVersion => _clients[0].DriverVersion;

    /// <summary>Connects once; later calls return the first outcome (a cudaError_t value).</summary>
    public static int Initialize(Func<ClientSettings> settingsSource)
    {
        lock (InitializeLock)
        {
            if (s_initialized)
            {
                return s_initializeResult;
            }
            s_initialized = true;
            var settings = settingsSource();
            NativeLog.Level = settings.LogLevel;
            if (settings.Error is not null)
            {
                NativeLog.Write(NativeLogLevel.Error, settings.Error);
                return s_initializeResult = CudaErrorCodes.NoDevice;
            }
            var clients = new List<RemoteCudaClient>();
            var devices = new List<RemoteDevice>();
            var limit = settings.MaxDevices ?? int.MaxValue;
            foreach (var endpoint in settings.Servers)
            {
                if (devices.Count >= limit)
                {
                    break; // ORION_MAX_DEVICES reached: the servers after these are not connected to at all
                }
                var client = Connect(endpoint, settings, out var error);
                if (client is null)
                {
                    foreach (var connected in clients)
                    {
                        connected.Dispose();
                    }
                    return s_initializeResult = error;
                }
                for (var local = 0; local < client.Devices.Count && devices.Count < limit; local++)
                {
                    if (client.Devices[local].IsEmulated)
                    {
                        NativeLog.Write(NativeLogLevel.Warn, $"{endpoint} offers an emulated device, not a GPU: only kernels its tests registered run there");
                    }
                    devices.Add(new RemoteDevice(clients.Count, client, local));
                }
                clients.Add(client);
            }
            if (devices.Count == 0)
            {
                NativeLog.Write(NativeLogLevel.Error, "the Orion servers offer no device");
                return s_initializeResult = CudaErrorCodes.NoDevice;
            }
            Volatile.Write(ref s_current, new ClientRuntime([.. clients], [.. devices]));
            return s_initializeResult = CudaErrorCodes.Success;
        }
    }

    /// <summary>
    /// Closes every session (pending asynchronous work is delivered first), waiting at most
    /// <paramref name="timeout"/> in all; later calls answer cudaErrorNoDevice.
    /// </summary>
    public static void Shutdown(TimeSpan timeout)
    {
        ClientRuntime? runtime;
        lock (InitializeLock)
        {
            runtime = Interlocked.Exchange(ref s_current, null);
            s_initializeResult = CudaErrorCodes.NoDevice;
        }
        if (runtime is null)
        {
            return;
        }
        foreach (var client in runtime._clients)
        {
            if (client.CallProfileReport() is { } report)
            {
                Console.Error.Write(report);
            }
        }
        var closing = runtime._clients.Select(client => client.DisposeAsync().AsTask()).ToArray();
        if (!Task.WaitAll(closing, timeout))
        {
            NativeLog.Write(NativeLogLevel.Debug, "closing the Orion sessions took longer than " + timeout.TotalMilliseconds + " ms; leaving them");
        }
    }

    private static RemoteCudaClient? Connect(TransportEndpoint endpoint, ClientSettings settings, out int error)
    {
        // tcp:// and host:port; tls:// (TLS over TCP); rdma:// through the ibverbs shim; shm:// through shared memory (a
        // server on this host); auto:// picks shared memory when the server's socket is on this host, else RDMA when a
        // device is present, else TCP, and says which at ORION_LOG_LEVEL=info.
        var tcp = new TcpTransport();
        var shm = new SharedMemoryTransport(new SharedMemoryTransportSettings { Logger = NativeLogLogger.Instance });
        var transports = new TransportFactory().Add(tcp)
            .AddSharedMemoryWhenLocal(shm, NativeLogLogger.Instance)
            .AddRdmaWithFallback(new RdmaTransport(logger: NativeLogLogger.Instance), tcp, NativeLogLogger.Instance);
        var options = new RemoteCudaClientOptions
        {
            AuthToken = settings.Token,
            ClientName = $"{Environment.ProcessPath ?? "cuda-program"} (pid {Environment.ProcessId})",
            // Device printf and assert text into the program's own stdout and stderr, as a local GPU prints it.
            DeviceOutput = ProcessStandardStreams.Write,
            ProfileCalls = settings.ProfileCalls,
            VGpu = settings.VGpu,
            ReplySpinTime = settings.ReplySpinTime,
            Compression = settings.Compression,
            // The receive thread looks for the reply as long as the waiting caller does.
            // tls:// servers are verified against ORION_TLS_CA (else the system's trust store) and ORION_TLS_SERVER_NAME.
            TransportOptions = new TransportOptions { ReceiveSpinTime = settings.ReplySpinTime, Tls = settings.Tls },
            ConnectTimeout = settings.ConnectTimeout,
            HandshakeTimeout = settings.ConnectTimeout,
        };
        using var timeout = new CancellationTokenSource(settings.ConnectTimeout);
        try
        {
            var client = RemoteCudaClient.ConnectAsync(transports, endpoint, options, timeout.Token).GetAwaiter().GetResult();
            NativeLog.Write(NativeLogLevel.Info, $"connected to {endpoint}: {client.ServerDescription}, {client.Devices.Count} device(s)"
                + (client.VGpu is { } vgpu ? $", {vgpu}" : ""));
            error = CudaErrorCodes.Success;
            return client;
        }
        catch (RemoteSessionRefusedException ex)
        {
            NativeLog.Write(NativeLogLevel.Error, $"{endpoint} refused the session: {ex.Message}");
            // A server that is there but has no vGPU free for the request is busy, not absent: the program may try later.
            error = ex.Status == HandshakeStatus.NoCapacity ? CudaErrorCodes.DevicesUnavailable : CudaErrorCodes.NoDevice;
        }
        catch (OperationCanceledException)
        {
            NativeLog.Write(NativeLogLevel.Error, $"{endpoint} did not answer within {settings.ConnectTimeout.TotalMilliseconds} ms");
            error = CudaErrorCodes.NoDevice;
        }
        catch (ServerUnreachableException ex)
        {
            NativeLog.Write(NativeLogLevel.Error, ex.Message); // "cannot reach <endpoint>: <why>", or why it is not an Orion server
            error = CudaErrorCodes.NoDevice;
        }
        catch (TransportException ex)
        {
            NativeLog.Write(NativeLogLevel.Error, $"cannot reach {endpoint}: {ex.Message}");
            error = CudaErrorCodes.NoDevice;
        }
        return null;
    }

    /// <summary>The device's session, with the device made current there; null for a bad ordinal.</summary>
    public RemoteCudaClient? Select(int device, out int error)
    {
        if ((uint)device >= (uint)_devices.Length)
        {
            error = CudaErrorCodes.InvalidDevice;
            return null;
        }
        var target = _devices[device];
        if (target.Client.CurrentDevice != target.LocalIndex)
        {
            var status = target.Client.SetDevice(target.LocalIndex);
            if (status != CudaStatus.Success)
            {
                error = CudaErrorCodes.FromStatus(status);
                return null;
            }
        }
        error = CudaErrorCodes.Success;
        return target.Client;
    }

    /// <summary>The device's session and its number there, without making it current (NVML's queries); null for a bad ordinal.</summary>
    public RemoteCudaClient? Locate(int device, out int localIndex, out int error)
    {
        localIndex = 0;
        if ((uint)device >= (uint)_devices.Length)
        {
            error = CudaErrorCodes.InvalidDevice;
            return null;
        }
        localIndex = _devices[device].LocalIndex;
        error = CudaErrorCodes.Success;
        return _devices[device].Client;
    }

    public RemoteDeviceInfo? DeviceInfo(int device) =>
        (uint)device < (uint)_devices.Length ? _devices[device].Client.Devices[_devices[device].LocalIndex] : null;

    /// <summary>
    /// The session a stream (or event) handle belongs to and its local handle. Default streams
    /// (0, legacy 1, per-thread 2) belong to the device; Orion runs the per-thread default stream
    /// as the legacy default stream.
    /// </summary>
    public RemoteCudaClient? SelectForHandle(int device, ulong handle, out ulong localHandle, out int error)
    {
        if (handle <= PerThreadDefaultStream)
        {
            localHandle = 0;
            return Select(device, out error);
        }
        var server = (int)(handle >> ServerShift);
        localHandle = handle & LocalHandleMask;
        if (server >= _clients.Length)
        {
            error = CudaErrorCodes.InvalidResourceHandle;
            return null;
        }
        if (_devices[device < 0 || device >= _devices.Length ? 0 : device].Server == server)
        {
            return Select(device, out error);
        }
        error = CudaErrorCodes.Success;
        return _clients[server];
    }

    /// <summary>The handle the stub sees for a session's stream or event.</summary>
    public ulong ExportHandle(int device, ulong localHandle) =>
        ((ulong)_devices[device].Server << ServerShift) | (localHandle & LocalHandleMask);

    /// <summary>Both devices' session when they share one server (peer copies need that).</summary>
    public RemoteCudaClient? SelectPair(int first, int second, out int firstLocal, out int secondLocal, out int error)
    {
        firstLocal = secondLocal = 0;
        if ((uint)first >= (uint)_devices.Length || (uint)second >= (uint)_devices.Length)
        {
            error = CudaErrorCodes.InvalidDevice;
            return null;
        }
        if (_devices[first].Server != _devices[second].Server)
        {
            NativeLog.Write(NativeLogLevel.Warn, "cudaMemcpyPeer between devices of different Orion servers is not supported");
            error = CudaErrorCodes.NotSupported;
            return null;
        }
        firstLocal = _devices[first].LocalIndex;
        secondLocal = _devices[second].LocalIndex;
        error = CudaErrorCodes.Success;
        return _devices[first].Client;
    }
}
