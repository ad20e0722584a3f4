using System.Globalization;
using System.Text;

namespace Orion.Cli;

/// <summary>
/// <c>orion smi</c>'s output: one line per GPU, numbered as a program run through Orion numbers them (the servers
/// in the order given, each server's devices in its order), with its name, UUID, memory total, the memory this
/// session holds there and the card's utilization where known; then per server a line with its description and
/// driver version, the vGPU the query was placed on, the server's vGPU table and the sessions it lets this client see.
/// </summary>
internal static class SmiTable
{
    private static readonly string[] s_headers = ["GPU", "NAME", "UUID", "MEMORY TOTAL", "USED (THIS SESSION)", "UTIL"];
    private static readonly string[] s_vgpuHeaders = ["DEVICE", "VGPU", "MEMORY", "SHARE", "HELD BY"];
    private static readonly string[] s_sessionHeaders = ["SESSION", "CLIENT", "VGPU", "MEMORY USED"];

    public static string Format(IReadOnlyList<ServerReport> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var rows = new List<string[]> { s_headers };
        var index = 0;
        foreach (var server in servers)
        {
            foreach (var device in server.Devices)
            {
                rows.Add(
                [
                    index++.ToString(CultureInfo.InvariantCulture),
                    device.Name,
                    device.Uuid.Length > 0 ? device.Uuid : "n/a",
                    Mebibytes(device.MemoryTotal),
                    device.MemoryUsed is { } used ? Mebibytes(used) : "n/a",
                    device.UtilizationPercent is { } utilization ? utilization.ToString(CultureInfo.InvariantCulture) + " %" : "n/a",
                ]);
            }
        }
        var text = new StringBuilder();
        AppendTable(text, rows, numeric: [0, 3, 4, 5], indent: "");
        if (index == 0)
        {
            text.Append("(no GPU)\n");
        }
        foreach (var server in servers)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"server {server.Endpoint}: {server.Description}; driver {server.DriverVersion ?? "n/a"}, CUDA {CudaVersion(server.CudaDriverVersion)}\n");
            if (server.VGpu is { } vgpu)
            {
                // The server divides its GPUs: this session held one vGPU, and the table shows that vGPU's device only.
                text.Append(CultureInfo.InvariantCulture,
                    $"  on vGPU {vgpu.Slice} of the server's device {vgpu.Device}: {Mebibytes(vgpu.MemoryBytes)}, {vgpu.SharePercent} % compute share\n");
            }
            AppendVGpus(text, server);
            AppendSessions(text, server);
        }
        return text.ToString();
    }

    /// <summary>The server's vGPUs: each with its memory, share and holder (free, this query, or a session's id).</summary>
    private static void AppendVGpus(StringBuilder text, ServerReport server)
    {
        if (server.VGpus is not { } vgpus)
        {
            text.Append("  vGPUs and sessions: not reported (each session runs in a worker process of its own, which sees no other)\n");
            return;
        }
        if (vgpus.Count == 0)
        {
            text.Append("  vGPUs: none (the server does not divide its GPUs; every session may use all of them)\n");
            return;
        }
        var free = vgpus.Count(vgpu => vgpu.IsFree);
        var divided = vgpus.Count(vgpu => !vgpu.IsUndividedDevice);
        text.Append(CultureInfo.InvariantCulture, $"  vGPUs: {divided}, {free} free\n");
        var rows = new List<string[]> { s_vgpuHeaders };
        foreach (var vgpu in vgpus)
        {
            rows.Add(vgpu.IsUndividedDevice
                ?
                [
                    vgpu.Device.ToString(CultureInfo.InvariantCulture), "-", Mebibytes(vgpu.MemoryBytes), "-",
                    "not divided: shared by any number of sessions",
                ]
                :
                [
                    vgpu.Device.ToString(CultureInfo.InvariantCulture),
                    vgpu.Slice.ToString(CultureInfo.InvariantCulture),
                    Mebibytes(vgpu.MemoryBytes),
                    vgpu.SharePercent.ToString(CultureInfo.InvariantCulture) + " %",
                    vgpu.HolderSessionId == 0 ? "free"
                        : vgpu.HolderSessionId == server.SessionId ? "this query"
                        : "session " + vgpu.HolderSessionId.ToString(CultureInfo.InvariantCulture),
                ]);
        }
        AppendTable(text, rows, numeric: [0, 1, 2, 3], indent: "    ");
    }

    /// <summary>The sessions the server lets this client see, and how many there are in all.</summary>
    private static void AppendSessions(StringBuilder text, ServerReport server)
    {
        if (server.Sessions is not { } sessions || server.SessionCount is not { } count)
        {
            return;
        }
        var hidden = count - sessions.Count;
        text.Append(CultureInfo.InvariantCulture, $"  sessions: {count}")
            .Append(hidden > 0
                ? string.Create(CultureInfo.InvariantCulture, $" ({hidden} not shown: this server lists other tenants' sessions only when started with --show-all-sessions)")
                : "")
            .Append('\n');
        var rows = new List<string[]> { s_sessionHeaders };
        foreach (var session in sessions)
        {
            rows.Add(
            [
                session.SessionId.ToString(CultureInfo.InvariantCulture),
                session.SessionId == server.SessionId ? session.ClientName + " (this query)" : session.ClientName,
                session.HoldsVGpu
                    ? string.Create(CultureInfo.InvariantCulture, $"{session.VGpuSlice} on device {session.VGpuDevice}")
                    : "-",
                Mebibytes(session.MemoryUsedBytes),
            ]);
        }
        AppendTable(text, rows, numeric: [0, 3], indent: "    ");
    }

    /// <summary>Rows in columns two spaces apart: the <paramref name="numeric"/> columns right-aligned, the rest left-aligned.</summary>
    private static void AppendTable(StringBuilder text, List<string[]> rows, int[] numeric, string indent)
    {
        var columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns).Select(column => rows.Max(row => row[column].Length)).ToArray();
        foreach (var row in rows)
        {
            var line = new StringBuilder(indent);
            for (var column = 0; column < columns; column++)
            {
                var cell = numeric.Contains(column) ? row[column].PadLeft(widths[column]) : row[column].PadRight(widths[column]);
                line.Append(column == 0 ? "" : "  ").Append(cell);
            }
            text.Append(line.ToString().TrimEnd()).Append('\n');
        }
    }

    /// <summary>CUDA's version number as it is written: 13000 is 13.0, 12080 is 12.8.</summary>
    public static string CudaVersion(int version) =>
        string.Create(CultureInfo.InvariantCulture, $"{version / 1000}.{version % 1000 / 10}");

    private static string Mebibytes(ulong bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB");
}
