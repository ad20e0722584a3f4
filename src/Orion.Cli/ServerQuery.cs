using System.Net.Sockets;
using Orion.Cuda.Remote;
using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Cli;

/// <summary>
/// Opens a session with a server as a CUDA program's client library would (TCP, following a redirect to a
/// per-session worker), reads what it offers and what NVML would show of each device (<c>GetDeviceStatus</c>,
/// opcode 140: no context is made), and closes the session. A server that cannot be reached, refuses the session
/// or does not answer in time is a <see cref="CliException"/> naming the endpoint and the reason.
/// </summary>
internal sealed class ServerQuery
{
    private readonly TimeSpan _timeout;
    private readonly string _token;

    public ServerQuery(TimeSpan timeout, string? token)
    {
        _timeout = timeout;
        _token = token ?? "";
    }

    /// <param name="endpoint">The server.</param>
    /// <param name="cancellationToken">Ends the query early.</param>
    /// <param name="vgpu">What the query's session asks of the server's vGPUs (as a program's would, for <c>orion run --gpus</c>); none by default.</param>
    public async Task<ServerReport> QueryAsync(TransportEndpoint endpoint, CancellationToken cancellationToken, Orion.Cuda.Protocol.Wire.VGpuRequest? vgpu = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Scheme is not (TcpTransport.Scheme or "tls"))
        {
            throw new CliException($"cannot reach {endpoint}: orion smi speaks TCP and TLS (tcp://host:port, tls://host:port)", ExitCodes.Usage);
        }
        // tls://: the server is verified as a program's client library would verify it (ORION_TLS_CA, ORION_TLS_SERVER_NAME).
        var tls = TransportTlsOptions.ForClient(Environment.GetEnvironmentVariable("ORION_TLS_CA"), Environment.GetEnvironmentVariable("ORION_TLS_SERVER_NAME"), out var tlsError);
        if (tlsError is not null)
        {
            throw new CliException(tlsError, ExitCodes.Usage);
        }
        var transports = new TransportFactory().Add(new TcpTransport());
        var options = new RemoteCudaClientOptions
        {
            AuthToken = _token,
            ClientName = $"orion smi (pid {Environment.ProcessId})",
            ConnectTimeout = _timeout,
            HandshakeTimeout = _timeout,
            VGpu = vgpu ?? Orion.Cuda.Protocol.Wire.VGpuRequest.None,
            TransportOptions = new TransportOptions { Tls = tls },
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        RemoteCudaClient client;
        try
        {
            client = await RemoteCudaClient.ConnectAsync(transports, endpoint, options, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"{endpoint} did not answer within {_timeout.TotalSeconds:0.###} s");
        }
        catch (ServerUnreachableException ex) when (ex.InnerException is OperationCanceledException or TransportException { InnerException: OperationCanceledException })
        {
            throw new CliException($"{endpoint} did not answer within {_timeout.TotalSeconds:0.###} s");
        }
        catch (ServerUnreachableException ex) when (ex.InnerException is TransportException { InnerException: SocketException socket })
        {
            throw new CliException($"cannot reach {endpoint}: {socket.Message}");
        }
        catch (ServerUnreachableException ex)
        {
            throw new CliException(ex.Message);
        }
        catch (RemoteSessionRefusedException ex)
        {
            throw new CliException($"{endpoint} refused the session: {ex.Message}");
        }
        await using (client.ConfigureAwait(false))
        {
            var devices = new List<DeviceReport>();
            string? driverVersion = null;
            for (var index = 0; index < client.Devices.Count; index++)
            {
                var info = client.Devices[index];
                if (client.GetDeviceStatus(index, out var status) != CudaStatus.Success)
                {
                    devices.Add(new DeviceReport(info.Name, "", info.TotalMemory, null, null));
                    continue;
                }
                if (index == 0 && status[DeviceReading.DriverVersion].Status == DeviceReadingValue.Success && status.DriverVersion.Length > 0)
                {
                    driverVersion = status.DriverVersion;
                }
                devices.Add(new DeviceReport(
                    status.Name.Length > 0 ? status.Name : info.Name,
                    FormatUuid(status.Uuid.Span),
                    Reading(status, DeviceReading.MemoryTotal) ?? info.TotalMemory,
                    Reading(status, DeviceReading.MemoryUsed),
                    Reading(status, DeviceReading.UtilizationGpu) is { } utilization ? (int)Math.Min(utilization, 100) : null));
            }
            // The server's vGPUs and sessions (protocol 5); a worker in process isolation cannot see them and says so.
            var vgpus = client.GetServerVGpus(out var sessionId, out var table) == CudaStatus.Success ? table : null;
            var sessions = client.GetServerSessions(out var sessionCount, out var listed) == CudaStatus.Success ? listed : null;
            return new ServerReport(endpoint, client.ServerDescription, client.DriverVersion, driverVersion, devices, client.VGpu)
            {
                SessionId = sessionId,
                VGpus = vgpus,
                SessionCount = sessions is null ? null : sessionCount,
                Sessions = sessions,
            };
        }
    }

    /// <summary>NVML's form of a device UUID, the driver's 16 bytes in their order: <c>GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c>.</summary>
    public static string FormatUuid(ReadOnlySpan<byte> bytes)
    {
        var hex = Convert.ToHexStringLower(bytes);
        return hex.Length != 32
            ? "GPU-" + hex
            : $"GPU-{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private static ulong? Reading(DeviceStatus status, DeviceReading reading) =>
        status[reading].Status == DeviceReadingValue.Success ? status[reading].Value : null;
}
