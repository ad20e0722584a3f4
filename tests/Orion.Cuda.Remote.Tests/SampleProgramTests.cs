using System.Net;
using System.Net.Sockets;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// The sample client (samples/Orion.Samples.VectorAdd) run as a program: against nothing or with a bad address it
/// prints one line ("error: ...") and exits non-zero, without a stack trace; against orion-server it passes.
/// </summary>
public sealed class SampleProgramTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // process start on a busy 2-core CI machine

    private static string VectorAddDll() => OrionServerProgram.SampleDll("Orion.Samples.VectorAdd", "Orion.Samples.VectorAdd.dll");

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string OneLine(string output) =>
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    [Fact]
    public async Task Against_nothing_it_prints_one_line_and_exits_1()
    {
        var port = FreePort(); // closed again: nothing listens there
        var (exitCode, output) = await OrionServerProgram.RunDllAsync(VectorAddDll(), [$"tcp://127.0.0.1:{port}"], Patience);
        Assert.Equal(1, exitCode);
        Assert.Equal($"error: cannot reach tcp://127.0.0.1:{port}: Connection refused", OneLine(output));
    }

    [Fact]
    public async Task An_out_of_range_port_is_reported_as_such_and_exits_2()
    {
        var (exitCode, output) = await OrionServerProgram.RunDllAsync(VectorAddDll(), ["tcp://127.0.0.1:99999"], Patience);
        Assert.Equal(2, exitCode);
        Assert.Equal("error: invalid server 'tcp://127.0.0.1:99999': port 99999 is out of range (1-65535)", OneLine(output));
    }

    [Fact]
    public async Task Against_a_port_that_says_nothing_it_fails_within_the_handshake_timeout_with_one_line()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts (the kernel's backlog) and never answers
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var (exitCode, output) = await OrionServerProgram.RunDllAsync(VectorAddDll(), [$"tcp://127.0.0.1:{port}"], Patience);
        Assert.Equal(1, exitCode);
        Assert.StartsWith($"error: tcp://127.0.0.1:{port} accepted the connection but did not complete the Orion handshake within 10 s", OneLine(output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Against_orion_server_it_passes()
    {
        var port = FreePort();
        using var server = OrionServerProgram.Start(["--emulated", "--listen", $"tcp://127.0.0.1:{port}"]);
        await server.WaitForOutputAsync("ready on", Patience);
        var (exitCode, output) = await OrionServerProgram.RunDllAsync(VectorAddDll(), [$"tcp://127.0.0.1:{port}", "4096"], Patience);
        Assert.Equal(0, exitCode);
        Assert.Contains("vectorAdd of 4096 elements: PASS", output, StringComparison.Ordinal);
    }
}
