using Orion.Transport;

namespace Orion.Cli.Tests;

/// <summary>orion smi's table: one line per GPU numbered across servers, then each server's description and driver.</summary>
public sealed class SmiTableTests
{
    private const ulong MiB = 1024 * 1024;

    [Fact]
    public void One_line_per_gpu_then_one_per_server()
    {
        var servers = new[]
        {
            new ServerReport(new TransportEndpoint("tcp", "gpu-a", 7000), "CUDA driver backend, 2 devices", 13000, "580.159.04",
            [
                new DeviceReport("NVIDIA H200", "GPU-0123", 143771 * MiB, 0, 7),
                new DeviceReport("NVIDIA H200", "GPU-4567", 143771 * MiB, 2048 * MiB, 100),
            ]),
            new ServerReport(new TransportEndpoint("tcp", "gpu-b", 7000), "Orion emulated device x1", 12080, null,
            [
                new DeviceReport("Orion emulated device", "", 256 * MiB, null, null),
            ]),
        };
        Assert.Equal(
            "GPU  NAME                   UUID      MEMORY TOTAL  USED (THIS SESSION)   UTIL\n"
            + "  0  NVIDIA H200            GPU-0123    143771 MiB                0 MiB    7 %\n"
            + "  1  NVIDIA H200            GPU-4567    143771 MiB             2048 MiB  100 %\n"
            + "  2  Orion emulated device  n/a            256 MiB                  n/a    n/a\n"
            + "server tcp://gpu-a:7000: CUDA driver backend, 2 devices; driver 580.159.04, CUDA 13.0\n"
            + "  vGPUs and sessions: not reported (each session runs in a worker process of its own, which sees no other)\n"
            + "server tcp://gpu-b:7000: Orion emulated device x1; driver n/a, CUDA 12.8\n"
            + "  vGPUs and sessions: not reported (each session runs in a worker process of its own, which sees no other)\n",
            SmiTable.Format(servers));
    }

    [Fact]
    public void A_session_placed_on_a_vGPU_says_which_under_its_server()
    {
        var text = SmiTable.Format([new ServerReport(new TransportEndpoint("tcp", "h", 1), "desc", 13000, "x",
            [new DeviceReport("NVIDIA H200", "GPU-0123", 24576 * MiB, 0, 3)], new Orion.Cuda.Protocol.Wire.VGpuAssignment(2, 1, 24576 * MiB, 30))]);
        Assert.EndsWith("server tcp://h:1: desc; driver x, CUDA 13.0\n"
            + "  on vGPU 1 of the server's device 2: 24576 MiB, 30 % compute share\n"
            + "  vGPUs and sessions: not reported (each session runs in a worker process of its own, which sees no other)\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_without_devices_says_so()
    {
        var text = SmiTable.Format([new ServerReport(new TransportEndpoint("tcp", "h", 1), "empty", 13000, "x", [])]);
        Assert.Contains("(no GPU)\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Uuids_are_written_as_nvml_writes_them()
    {
        byte[] uuid = [0x3f, 0x0c, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee];
        Assert.Equal("GPU-3f0c1122-3344-5566-7788-99aabbccddee", ServerQuery.FormatUuid(uuid));
    }

    [Theory]
    [InlineData(13000, "13.0")]
    [InlineData(12080, "12.8")]
    [InlineData(13010, "13.1")]
    public void Cuda_versions_are_major_dot_minor(int version, string text)
    {
        Assert.Equal(text, SmiTable.CudaVersion(version));
    }

    [Fact]
    public void The_vGPU_table_says_who_holds_each_and_the_sessions_how_many_are_hidden()
    {
        var report = new ServerReport(new TransportEndpoint("tcp", "h", 1), "desc", 13000, "x", [new DeviceReport("G", "GPU-1", 1024 * MiB, 0, 0)])
        {
            SessionId = 9,
            VGpus =
            [
                new ServerVGpuStatus(0, 0, 512 * MiB, 50, 3),
                new ServerVGpuStatus(0, 1, 512 * MiB, 50, 9),
                new ServerVGpuStatus(1, 0, 24576 * MiB, 100, 0),
                new ServerVGpuStatus(2, ServerVGpuStatus.UndividedSlice, 1024 * MiB, 0, 0),
            ],
            SessionCount = 3,
            Sessions = [new ServerSessionStatus(9, "orion smi (pid 1)", 0, 1, 0)],
        };
        Assert.EndsWith(
            "  vGPUs: 3, 1 free\n"
            + "    DEVICE  VGPU     MEMORY  SHARE  HELD BY\n"
            + "         0     0    512 MiB   50 %  session 3\n"
            + "         0     1    512 MiB   50 %  this query\n"
            + "         1     0  24576 MiB  100 %  free\n"
            + "         2     -   1024 MiB      -  not divided: shared by any number of sessions\n"
            + "  sessions: 3 (2 not shown: this server lists other tenants' sessions only when started with --show-all-sessions)\n"
            + "    SESSION  CLIENT                          VGPU           MEMORY USED\n"
            + "          9  orion smi (pid 1) (this query)  1 on device 0        0 MiB\n",
            SmiTable.Format([report]));
    }
}
