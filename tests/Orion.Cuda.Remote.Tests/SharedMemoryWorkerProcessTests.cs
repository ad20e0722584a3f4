using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.SharedMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// orion-server in process isolation over shared memory: the supervisor starts a real worker process, which listens on a
/// socket of its own beside the supervisor's, and the client's session runs there (a worker that knew only TCP refused it).
/// </summary>
public sealed class SharedMemoryWorkerProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // process start on a busy 2-core CI machine
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("orion-shm-workers-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task A_shared_memory_client_is_served_by_a_worker_process_on_its_own_socket()
    {
        var socket = Path.Combine(_directory.FullName, "orion.sock");
        using var server = OrionServerProgram.Start(["--emulated", "--isolation", "process", "--listen", "shm://" + socket]);
        await server.WaitForOutputAsync("ready on", Patience);

        var transports = new TransportFactory().Add(new SharedMemoryTransport());
        using var timeout = new CancellationTokenSource(Patience);
        await using var client = await RemoteCudaClient.ConnectAsync(transports, new TransportEndpoint(SharedMemoryTransport.Scheme, socket, 0),
            new RemoteCudaClientOptions { ClientName = "shm worker test" }, timeout.Token);
        var gpu = new RemoteGpu(client);
        using var module = gpu.LoadModule("// emulated: kernels resolve by name\n"u8);
        var kernel = module.GetKernel("vectorAdd");
        const int n = 300_000; // 1.2 MB per vector: bulk data through the worker's rings
        var a = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
        var b = Enumerable.Range(0, n).Select(i => 2f * i).ToArray();
        using var da = gpu.Upload<float>(a);
        using var db = gpu.Upload<float>(b);
        using var dc = gpu.Allocate<float>(n);
        kernel.Launch((uint)((n + 255) / 256), 256u, da, db, dc, n);
        Assert.Equal(a.Zip(b, (x, y) => x + y), dc.ToArray());
        // The session went to a worker process listening beside the supervisor's socket (the worker closes that socket
        // once its one client is in, so the supervisor's log is where it shows).
        await server.WaitForOutputAsync("redirected to worker shm://" + Path.Combine(_directory.FullName, "orion-worker-"), Patience);
    }
}
