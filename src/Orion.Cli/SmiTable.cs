using System.Globalization;
using System.Text;

namespace Orion.Cli;

/// <summary>
/// <c>orion smi</c>'s output: one line per GPU, numbered as a program run through Orion numbers them (the servers
/// in the order given, each server's devices in its order), with its name, UUID, memory total, the memory this
/// session holds there and the card's utilization where known; then a line per server with its description and
/// driver version, and the vGPU the session was placed on where the server divides its GPUs.
/// </summary>
internal static class SmiTable
{
    private static readonly string[] s_headers = ["GPU", "NAME", "UUID", "MEMORY TOTAL", "USED (THIS SESSION)", "UTIL"];

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
        var widths = Enumerable.Range(0, s_headers.Length).Select(column => rows.Max(row => row[column].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            var line = new StringBuilder();
            for (var column = 0; column < row.Length; column++)
            {
                // Numbers right-aligned, words left-aligned; two spaces between columns.
                var numeric = column is 0 or 3 or 4 or 5;
                var cell = numeric ? row[column].PadLeft(widths[column]) : row[column].PadRight(widths[column]);
                line.Append(column == 0 ? "" : "  ").Append(cell);
            }
            text.Append(line.ToString().TrimEnd()).Append('\n');
        }
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
                    $"  on vGPU {vgpu.Slice} of the server's device {vgpu.Device}: {Mebibytes(vgpu.MemoryBytes)}, {vgpu.SharePercent} % compute share (not yet enforced)\n");
            }
        }
        return text.ToString();
    }

    /// <summary>CUDA's version number as it is written: 13000 is 13.0, 12080 is 12.8.</summary>
    public static string CudaVersion(int version) =>
        string.Create(CultureInfo.InvariantCulture, $"{version / 1000}.{version % 1000 / 10}");

    private static string Mebibytes(ulong bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB");
}
