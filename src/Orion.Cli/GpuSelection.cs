using System.Globalization;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

namespace Orion.Cli;

/// <summary>
/// <c>orion run --gpus N</c>: which sessions give the program exactly N GPUs, from the servers in the order given.
/// A server that does not divide its GPUs gives one session all of them (the first ones it needs); a server with vGPUs
/// gives one vGPU per session, so it is listed once per vGPU taken. The program's client library opens those sessions
/// (<c>ORION_SERVER</c>) and shows the first N devices (<c>ORION_MAX_DEVICES</c>), connecting to no server past them.
/// </summary>
/// <param name="Sessions">The <c>ORION_SERVER</c> entries, in order: a server once per session.</param>
/// <param name="Count">The GPUs the program sees.</param>
internal sealed record GpuSelection(IReadOnlyList<TransportEndpoint> Sessions, int Count)
{
    /// <summary>The client library's device limit (src/Orion.Cuda.Client.Native, docs/configuration.md).</summary>
    public const string MaxDevicesVariable = "ORION_MAX_DEVICES";

    /// <summary>Most GPUs one run may ask for: the client library connects to at most 16 sessions, 64 devices each.</summary>
    public const int MaxGpus = 16 * ProtocolLimits.MaxDevices;

    /// <summary>Most sessions a program may open (the client library's limit on <c>ORION_SERVER</c> entries).</summary>
    public const int MaxSessions = 16;

    /// <summary>The <c>ORION_SERVER</c> value.</summary>
    public string ServerList => string.Join(",", Sessions);

    /// <summary>
    /// Picks <paramref name="wanted"/> GPUs from <paramref name="servers"/> (each queried with <paramref name="request"/>,
    /// so a vGPU the query itself holds counts as free); fewer available is a <see cref="CliException"/> that says what
    /// each server offers.
    /// </summary>
    public static GpuSelection Choose(int wanted, IReadOnlyList<ServerReport> servers, VGpuRequest request)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(request);
        var sessions = new List<TransportEndpoint>();
        var remaining = wanted;
        foreach (var server in servers)
        {
            if (remaining == 0)
            {
                break;
            }
            var (gpus, perSession) = Offer(server, request);
            var take = Math.Min(gpus, remaining);
            for (var i = 0; i < (perSession ? take : Math.Min(take, 1)); i++)
            {
                sessions.Add(server.Endpoint);
            }
            remaining -= take;
        }
        if (remaining > 0)
        {
            var offers = string.Join("; ", servers.Select(server => $"{server.Endpoint} {Describe(server, request)}"));
            throw new CliException(string.Create(CultureInfo.InvariantCulture,
                $"--gpus {wanted}: only {wanted - remaining} GPU{(wanted - remaining == 1 ? "" : "s")} available ({offers})"));
        }
        if (sessions.Count > MaxSessions)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture,
                $"--gpus {wanted}: that takes {sessions.Count} sessions (a vGPU each); a program may open at most {MaxSessions}"));
        }
        return new GpuSelection(sessions, wanted);
    }

    /// <summary>
    /// How many GPUs a server can give the program now, and whether each takes a session of its own (a vGPU, or a device
    /// a request placed the session on) rather than one session showing them all.
    /// </summary>
    internal static (int Gpus, bool PerSession) Offer(ServerReport server, VGpuRequest request)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.VGpus is { Count: > 0 } table)
        {
            // Free vGPUs that have what is asked (the query's own counts: it is gone once the program starts), and
            // the undivided devices, which take any number of sessions: after the vGPUs, admission places every
            // further session on the same one, so together they are one GPU more.
            var vgpus = table.Count(vgpu => !vgpu.IsUndividedDevice && Fits(vgpu, request)
                && (vgpu.HolderSessionId == 0 || vgpu.HolderSessionId == server.SessionId));
            var shared = table.Any(vgpu => vgpu.IsUndividedDevice && Fits(vgpu, request)) ? 1 : 0;
            return (vgpus + shared, true);
        }
        if (server.VGpu is not null)
        {
            // vGPUs, but no table (a worker in process isolation): the query's own vGPU is all that is known to be free.
            return (1, true);
        }
        // No vGPUs: a session that asks for nothing sees every device; one that asks is placed on one device, and
        // more such sessions would land on that same device.
        return request.IsEmpty ? (server.Devices.Count, false) : (server.Devices.Count > 0 ? 1 : 0, false);
    }

    private static bool Fits(ServerVGpuStatus vgpu, VGpuRequest request) =>
        vgpu.MemoryBytes >= request.MemoryBytes && vgpu.SharePercent >= request.SharePercent
        && (request.Device is not { } device || device == vgpu.Device);

    /// <summary>What a server offers, for the refusal: "has 2 GPUs", "has 1 free vGPU of 4 with 24 GiB".</summary>
    private static string Describe(ServerReport server, VGpuRequest request)
    {
        var (gpus, _) = Offer(server, request);
        var asked = request.IsEmpty ? "" : " with " + request.Describe();
        if (server.VGpus is { Count: > 0 } table)
        {
            var all = table.Count(vgpu => !vgpu.IsUndividedDevice);
            return string.Create(CultureInfo.InvariantCulture, $"has {gpus} free vGPU{(gpus == 1 ? "" : "s")}{asked} (of {all})");
        }
        return server.VGpu is not null
            ? "has vGPUs but does not say how many are free"
            : string.Create(CultureInfo.InvariantCulture, $"has {gpus} GPU{(gpus == 1 ? "" : "s")}{asked}");
    }
}
