using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Isolation;
using Orion.Server.Core.VGpus;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// vGPUs and admission control end to end against the emulated device (256 MiB): a session placed on a vGPU sees its
/// memory and is held to it, a hello asking for more than is free is refused with what is free, a vGPU comes back when
/// its session ends however it ends, hellos arriving together never over-admit, and in process isolation the supervisor
/// places while the worker enforces.
/// </summary>
public sealed class VGpuEndToEndTests : RemoteCudaTestBase
{
    private const ulong MiB = 1UL << 20;
    private const ulong DeviceMemory = 256 * MiB;

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    private Task<(OrionServer Server, EmulatedGpuBackend Backend)> StartDividedServerAsync(Action<VGpuOptions> divide, int deviceCount = 1, Action<OrionServerOptions>? configure = null) =>
        StartServerAsync(options =>
        {
            divide(options.VGpus);
            options.AdmissionWait = TimeSpan.Zero; // refusals at once; the wait has its own test
            configure?.Invoke(options);
        }, deviceCount);

    private Task<RemoteCudaClient> ConnectAsync(OrionServer server, VGpuRequest request) =>
        ConnectAsync(server, new RemoteCudaClientOptions { ClientName = nameof(VGpuEndToEndTests), VGpu = request });

    private async Task<RemoteSessionRefusedException> RefusedAsync(OrionServer server, VGpuRequest request)
    {
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => ConnectAsync(server, request));
        Assert.Equal(HandshakeStatus.NoCapacity, refused.Status);
        return refused;
    }

    [Fact]
    public async Task A_session_on_a_vGPU_sees_its_memory_everywhere_and_is_held_to_it()
    {
        var (server, _) = await StartDividedServerAsync(vgpus => vgpus.Devices[0] = DeviceVGpuOptions.Equal(4));
        var client = await ConnectAsync(server, VGpuRequest.None);

        Assert.Equal(new VGpuAssignment(0, 0, 64 * MiB, 25), client.VGpu);
        Assert.Equal(64 * MiB, Assert.Single(client.Devices).TotalMemory);
        Assert.Equal(CudaStatus.Success, client.Allocate(16 * MiB, out _));
        Assert.Equal(CudaStatus.Success, client.GetMemoryInfo(out var free, out var total));
        Assert.Equal((48 * MiB, 64 * MiB), (free, total));
        Assert.Equal(CudaStatus.Success, client.Allocate(48 * MiB, out _));
        Assert.Equal(CudaStatus.OutOfMemory, client.Allocate(1, out _));

        Assert.Equal(client.VGpu, Assert.Single(server.Sessions).VGpu);
        Assert.Equal([client.SessionId, null, null, null], server.VGpus.Select(vgpu => vgpu.SessionId));
    }

    [Fact]
    public async Task A_hello_asking_for_more_than_is_free_is_refused_with_what_is_free()
    {
        var (server, _) = await StartDividedServerAsync(vgpus => vgpus.Devices[0] = DeviceVGpuOptions.Equal(4));

        var tooLarge = await RefusedAsync(server, new VGpuRequest(100 * MiB));
        Assert.Contains("no vGPU with 100 MiB free on device 0: 0 of 4 vGPUs in use, the largest free has 64 MiB and a 25% share; none there is that large",
            tooLarge.Message, StringComparison.Ordinal);

        for (var i = 0; i < 4; i++)
        {
            await ConnectAsync(server, new VGpuRequest(64 * MiB, 25));
        }
        var full = await RefusedAsync(server, VGpuRequest.None);
        Assert.Contains("no vGPU with any size free on device 0: 4 of 4 vGPUs in use", full.Message, StringComparison.Ordinal);
        Assert.Equal(4, server.Sessions.Count);
        Assert.All(server.VGpus, vgpu => Assert.NotNull(vgpu.SessionId));
    }

    [Fact]
    public async Task A_vGPU_is_free_again_when_its_session_ends_gracefully_or_by_a_dropped_connection()
    {
        var (server, backend) = await StartDividedServerAsync(vgpus => vgpus.Devices[0] = DeviceVGpuOptions.Equal(1));

        var graceful = await ConnectAsync(server, VGpuRequest.None);
        await RefusedAsync(server, VGpuRequest.None);
        await graceful.DisposeAsync();
        await WaitUntilAsync(() => server.VGpus.All(vgpu => vgpu.SessionId is null), "the vGPU was given back");

        // A client that dies without a goodbye: its connection simply drops.
        var connection = await Transports.ConnectAsync(server.Endpoints[0]);
        var crashing = await RemoteCudaClient.ConnectAsync(connection);
        Assert.NotNull(crashing.VGpu);
        Assert.Equal(CudaStatus.Success, crashing.Allocate(MiB, out _));
        await RefusedAsync(server, VGpuRequest.None);
        connection.Abort("simulated crash");
        await WaitUntilAsync(() => server.VGpus.All(vgpu => vgpu.SessionId is null), "the crashed session's vGPU was given back");
        Assert.Equal(0UL, backend.UsedBytes(0));

        var next = await ConnectAsync(server, VGpuRequest.None);
        Assert.Equal(CudaStatus.Success, next.Allocate(DeviceMemory, out _));
        await crashing.DisposeAsync();
    }

    [Fact]
    public async Task A_hello_waits_for_a_vGPU_that_is_being_given_back_and_is_refused_when_none_comes()
    {
        var (server, _) = await StartDividedServerAsync(vgpus => vgpus.Devices[0] = DeviceVGpuOptions.Equal(1),
            configure: options => options.AdmissionWait = TimeSpan.FromSeconds(8)); // below the client's 10 s handshake timeout
        var holder = await ConnectAsync(server, VGpuRequest.None);
        // The next job starts just before the holder's session is over: it is placed once the vGPU comes back.
        var next = ConnectAsync(server, VGpuRequest.None);
        await Task.Delay(300);
        Assert.False(next.IsCompleted);
        await holder.DisposeAsync();
        var placed = await next;
        Assert.Equal(0, placed.VGpu!.Slice);

        // Asking for more than any vGPU has never waits: no release could help.
        var started = DateTime.UtcNow;
        await RefusedAsync(server, new VGpuRequest(300 * MiB));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "a hello that no vGPU can ever take waited");
    }

    [Fact]
    public async Task Hellos_arriving_together_never_over_admit()
    {
        var (server, _) = await StartDividedServerAsync(vgpus => vgpus.Devices[0] = DeviceVGpuOptions.Equal(3));
        var attempts = Enumerable.Range(0, 12).Select(_ => Task.Run(() => ConnectAsync(server, VGpuRequest.None))).ToArray();
        var admitted = new List<RemoteCudaClient>();
        var refused = 0;
        foreach (var attempt in attempts)
        {
            try
            {
                admitted.Add(await attempt);
            }
            catch (RemoteSessionRefusedException ex) when (ex.Status == HandshakeStatus.NoCapacity)
            {
                refused++;
            }
        }
        Assert.Equal((3, 9), (admitted.Count, refused));
        Assert.Equal([0, 1, 2], admitted.Select(client => client.VGpu!.Slice).Order());
        Assert.Equal(admitted.Select(client => (ulong?)client.SessionId).Order(), server.VGpus.Select(vgpu => vgpu.SessionId).Order());
    }

    [Fact]
    public async Task Slices_are_placed_best_fit_and_a_device_may_be_chosen()
    {
        var (server, backend) = await StartDividedServerAsync(vgpus => vgpus.Devices[0] = DeviceVGpuOptions.Explicit(
            new VGpuSliceOptions(128 * MiB, 60), new VGpuSliceOptions(32 * MiB, 10)), deviceCount: 2);

        Assert.Equal(new VGpuAssignment(0, 0, 128 * MiB, 60), (await ConnectAsync(server, new VGpuRequest(100 * MiB))).VGpu);
        Assert.Equal(new VGpuAssignment(0, 1, 32 * MiB, 10), (await ConnectAsync(server, new VGpuRequest(SharePercent: 5))).VGpu);

        // Device 1 is not divided: a session placed there sees it whole, and holds no vGPU.
        var onSecond = await ConnectAsync(server, new VGpuRequest(Device: 1));
        Assert.Null(onSecond.VGpu);
        Assert.Equal(CudaStatus.Success, backend.GetDeviceInfo(1, out var second));
        Assert.Equal((second!.Uuid, DeviceMemory), (Assert.Single(onSecond.Devices).Uuid, onSecond.Devices[0].TotalMemory));
        var noDevice = await RefusedAsync(server, new VGpuRequest(Device: 2));
        Assert.Contains("the server has 2 devices (0 to 1); there is no device 2", noDevice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_vGPUs_a_session_sees_every_device_unless_it_asks()
    {
        var (server, _) = await StartServerAsync(deviceCount: 2);

        var plain = await ConnectAsync(server, VGpuRequest.None);
        Assert.Equal(2, plain.Devices.Count);
        Assert.Null(plain.VGpu);
        Assert.Empty(server.VGpus);
        Assert.Single((await ConnectAsync(server, new VGpuRequest(MiB))).Devices);
        var share = await RefusedAsync(server, new VGpuRequest(SharePercent: 10));
        Assert.Contains("no device with a 10% compute share free: device 0: not divided into vGPUs (256 MiB per session, no compute share reserved)",
            share.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task An_older_client_is_refused_with_the_version_this_server_speaks(ushort version)
    {
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => ConnectAsync(Server, new RemoteCudaClientOptions { ProtocolVersion = version }));
        Assert.Equal(HandshakeStatus.VersionMismatch, refused.Status);
        Assert.Contains($"protocol version {version} is not supported; this server speaks version {ProtocolLimits.Version}", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_process_isolation_the_supervisor_places_and_the_worker_enforces()
    {
        var launcher = new InProcessWorkerLauncher(new EmulatedGpuBackend(new EmulatedDeviceOptions { MemoryBytes = DeviceMemory, Kernels = TestKernels.Create() }), Transports);
        var (server, _) = await StartDividedServerAsync(vgpus => vgpus.Devices[0] = DeviceVGpuOptions.Equal(2), configure: options =>
        {
            options.Isolation = SessionIsolation.Process;
            options.WorkerLauncher = launcher;
        });

        var first = await ConnectAsync(server, VGpuRequest.None);
        Assert.Equal(new VGpuAssignment(0, 0, 128 * MiB, 50), first.VGpu); // reported by the worker's welcome
        Assert.Equal(128 * MiB, Assert.Single(first.Devices).TotalMemory);
        Assert.Equal(CudaStatus.Success, first.Allocate(128 * MiB, out _));
        Assert.Equal(CudaStatus.OutOfMemory, first.Allocate(1, out _)); // the worker holds the session to the vGPU's memory
        // A worker sees its own session only: it does not pretend to know the server's vGPUs and sessions.
        Assert.Equal(CudaStatus.NotSupported, first.GetServerVGpus(out _, out var table));
        Assert.Empty(table);
        Assert.Equal(CudaStatus.NotSupported, first.GetServerSessions(out var count, out var sessions));
        Assert.Equal(0, count);
        Assert.Empty(sessions);
        Assert.Equal(1, (await ConnectAsync(server, VGpuRequest.None)).VGpu!.Slice);

        var refused = await RefusedAsync(server, VGpuRequest.None);
        Assert.Contains("2 of 2 vGPUs in use", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, launcher.Launched); // refused before any worker started
        Assert.Equal(server.Workers.Select(worker => (ulong?)worker.SessionId).Order(), server.VGpus.Select(vgpu => vgpu.SessionId).Order());

        await first.DisposeAsync();
        await WaitUntilAsync(() => server.VGpus.Any(vgpu => vgpu.SessionId is null), "the worker's exit gave the vGPU back");
        Assert.Equal(0, (await ConnectAsync(server, VGpuRequest.None)).VGpu!.Slice);
    }

    [Fact]
    public async Task vGPUs_that_do_not_fit_the_device_stop_the_server_from_starting()
    {
        var error = await Assert.ThrowsAsync<VGpuConfigurationException>(() => StartDividedServerAsync(vgpus =>
            vgpus.Devices[0] = DeviceVGpuOptions.Explicit(new VGpuSliceOptions(200 * MiB), new VGpuSliceOptions(100 * MiB))));
        Assert.Equal("device 0: its vGPUs have 300 MiB together, more than its 256 MiB (a memory oversubscription of at least 1.18 allows it)", error.Message);
    }
}
