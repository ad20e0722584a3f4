using System.Buffers.Binary;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>Stream capture and graphs through the SDK, against the emulated device (which captures and replays in software).</summary>
public sealed class GraphTests : RemoteCudaTestBase
{
    private const int Count = 1000;
    private const uint CaptureStatusNone = 0;
    private const uint CaptureStatusActive = 1;

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    private RemoteCudaClient Client => Gpu.Client;

    [Fact]
    public void Captured_work_runs_only_when_the_graph_is_launched_and_reads_memory_then()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var vectorAdd = module.GetKernel("vectorAdd").Handle;
        using var a = Gpu.Upload<float>(Enumerable.Range(0, Count).Select(i => (float)i).ToArray());
        using var b = Gpu.Upload<float>(Enumerable.Range(0, Count).Select(i => 2f * i).ToArray());
        using var c = Gpu.Allocate<float>(Count);
        using var copy = Gpu.Allocate<float>(Count);
        c.Fill32(0);
        copy.Fill32(0);
        using var stream = Gpu.CreateStream(flags: 1);

        Assert.Equal(CudaStatus.Success, Client.BeginCapture(stream.Handle, out var graph));
        Assert.True(Client.MayBeCapturing);
        Assert.Equal(CudaStatus.Success, Client.Memset(c.Address, 7, 4, Count, stream.Handle, async: true));
        Assert.Equal(CudaStatus.Success, Client.Launch(vectorAdd, new Dim3(4), new Dim3(256), 0, stream.Handle, VectorAddArguments(a, b, c)));
        Assert.Equal(CudaStatus.Success, Client.CopyDeviceToDevice(copy.Address, c.Address, c.SizeInBytes, stream.Handle, async: true));
        Assert.Equal(CudaStatus.Success, Client.GetCaptureInfo(stream.Handle, out var status, out var id, out var building));
        Assert.Equal((int)CaptureStatusActive, status);
        Assert.NotEqual(0UL, id);
        Assert.Equal(graph, building);
        Assert.Equal(CudaStatus.Success, Client.GetCaptureDependencies(stream.Handle, out var dependencies));
        Assert.Single(dependencies);
        Assert.Equal(CudaStatus.Success, Client.EndCapture(stream.Handle, out var captured));
        Assert.Equal(graph, captured);
        Assert.False(Client.MayBeCapturing);

        // Captured, not run: the buffers are as before.
        Assert.All(c.ToArray(), value => Assert.Equal(0f, value));
        Assert.All(copy.ToArray(), value => Assert.Equal(0f, value));
        Assert.Equal(CudaStatus.Success, Client.GetGraphNodes(graph, 0, 16, out var nodeCount, out var nodes));
        Assert.Equal(3u, nodeCount);
        Assert.Equal(dependencies[0], nodes[2]); // the node reported during the capture keeps its handle
        Assert.Equal(new[] { 2, 0, 1 }, nodes.Select(node => Client.GetGraphNodeType(node, out var type) == CudaStatus.Success ? type : -1));

        Assert.Equal(CudaStatus.Success, Client.InstantiateGraph(graph, 0, out var exec));
        Assert.Equal(CudaStatus.Success, Client.LaunchGraph(exec, stream.Handle));
        stream.Synchronize();
        Assert.Equal(Enumerable.Range(0, Count).Select(i => 3f * i), copy.ToArray());

        // A replay reads device memory as it is when it runs.
        a.CopyFrom(Enumerable.Range(0, Count).Select(i => 10f * i).ToArray());
        Assert.Equal(CudaStatus.Success, Client.LaunchGraph(exec, stream.Handle));
        stream.Synchronize();
        Assert.Equal(Enumerable.Range(0, Count).Select(i => 12f * i), copy.ToArray());

        Assert.Equal(CudaStatus.Success, Client.DestroyGraphExec(exec));
        Assert.Equal(CudaStatus.Success, Client.DestroyGraph(graph));
        Assert.Equal(CudaStatus.Success, Client.LaunchGraph(exec, stream.Handle)); // queued: its failure comes with the next reply
        Assert.Equal(CudaStatus.InvalidHandle, Client.SynchronizeStream(stream.Handle));
        Assert.Equal(CudaStatus.InvalidHandle, Client.GetGraphNodeType(nodes[0], out _));
    }

    [Fact]
    public unsafe void Work_that_cannot_become_a_node_fails_on_a_capturing_stream_and_the_capture_goes_on()
    {
        using var buffer = Gpu.Allocate<int>(16);
        using var stream = Gpu.CreateStream(flags: 1);
        var host = new int[16];
        Assert.Equal(CudaStatus.Success, Client.BeginCapture(stream.Handle, out var graph));
        fixed (int* pointer = host)
        {
            Assert.Equal(CudaStatus.StreamCaptureUnsupported, Client.CopyHostToDeviceAsync(buffer.Address, (nint)pointer, 64, stream.Handle));
            Assert.Equal(CudaStatus.StreamCaptureUnsupported, Client.CopyDeviceToHostAsync((nint)pointer, buffer.Address, 64, stream.Handle));
            Assert.Equal(CudaStatus.StreamCaptureUnsupported,
                Client.Copy2D(MemoryKind.Host, (ulong)(nint)pointer, 16, MemoryKind.Device, buffer.Address, 16, 16, 2, stream.Handle, async: true));
        }
        Assert.Equal(CudaStatus.StreamCaptureUnsupported, Client.LaunchHostFunction(stream.Handle, _ => { }, 0));
        Assert.Equal(CudaStatus.StreamCaptureUnsupported, Client.AllocateAsync(64, stream.Handle, out var address));
        Assert.Equal(0UL, address);
        Assert.Equal(CudaStatus.StreamCaptureUnsupported, Client.FreeAsync(buffer.Address, stream.Handle));

        Assert.Equal(CudaStatus.Success, Client.GetCaptureInfo(stream.Handle, out var status, out _, out _));
        Assert.Equal((int)CaptureStatusActive, status);
        Assert.Equal(CudaStatus.Success, Client.Memset(buffer.Address, 3, 4, 16, stream.Handle, async: true));
        Assert.Equal(CudaStatus.Success, Client.EndCapture(stream.Handle, out var captured));
        Assert.Equal(graph, captured);
        Assert.Equal(CudaStatus.Success, Client.GetGraphNodes(graph, 0, 0, out var nodeCount, out _));
        Assert.Equal(1u, nodeCount);

        // Outside the capture the same calls work again.
        fixed (int* pointer = host)
        {
            Assert.Equal(CudaStatus.Success, Client.CopyHostToDeviceAsync(buffer.Address, (nint)pointer, 64, stream.Handle));
        }
        Assert.Equal(CudaStatus.Success, Client.DestroyGraph(graph));
    }

    [Fact]
    public void A_stream_that_joined_a_capture_must_be_joined_back_before_it_ends()
    {
        using var buffer = Gpu.Allocate<int>(16);
        using var origin = Gpu.CreateStream(flags: 1);
        using var side = Gpu.CreateStream(flags: 1);
        using var fork = Gpu.CreateEvent();
        Assert.Equal(CudaStatus.Success, Client.BeginCapture(origin.Handle, out var graph));
        Assert.Equal(CudaStatus.Success, Client.RecordEvent(fork.Handle, origin.Handle));
        Assert.Equal(CudaStatus.Success, Client.StreamWaitEvent(side.Handle, fork.Handle));
        Assert.Equal(CudaStatus.Success, Client.GetCaptureInfo(side.Handle, out var status, out _, out var joined));
        Assert.Equal(((int)CaptureStatusActive, graph), (status, joined));
        Assert.Equal(CudaStatus.Success, Client.Memset(buffer.Address, 1, 4, 16, side.Handle, async: true));

        Assert.Equal(CudaStatus.StreamCaptureUnjoined, Client.EndCapture(origin.Handle, out var captured));
        Assert.Equal(0UL, captured);
        Assert.False(Client.MayBeCapturing);
        Assert.Equal(CudaStatus.Success, Client.GetCaptureInfo(side.Handle, out status, out _, out _));
        Assert.Equal((int)CaptureStatusNone, status);
        Assert.Equal(CudaStatus.InvalidHandle, Client.DestroyGraph(graph)); // the capture's graph went with it
    }

    [Fact]
    public void An_explicit_graph_runs_its_nodes_in_dependency_order_and_an_executable_graph_keeps_its_own_parameters()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var vectorAdd = module.GetKernel("vectorAdd").Handle;
        using var a = Gpu.Upload<float>(Enumerable.Range(0, Count).Select(i => (float)i).ToArray());
        using var b = Gpu.Allocate<float>(Count);
        using var c = Gpu.Allocate<float>(Count);
        using var copy = Gpu.Allocate<float>(Count);

        Assert.Equal(CudaStatus.Success, Client.CreateGraph(0, out var graph));
        Assert.Equal(CudaStatus.Success, Client.AddMemsetNode(graph, [], b.Address, b.SizeInBytes, BitConverter.SingleToUInt32Bits(5f), 4, Count, 1, out var memset));
        Assert.Equal(CudaStatus.Success, Client.AddKernelNode(graph, [memset], vectorAdd, new Dim3(4), new Dim3(256), 0, VectorAddArguments(a, b, c), out var kernel));
        Assert.Equal(CudaStatus.Success, Client.AddMemcpyNode(graph, [kernel], copy.Address, 0, c.Address, 0, c.SizeInBytes, 1, out var memcpy));
        Assert.Equal(CudaStatus.Success, Client.AddEmptyNode(graph, [], out var empty));
        Assert.Equal(CudaStatus.Success, Client.AddGraphDependencies(graph, [memcpy], [empty]));
        Assert.Equal(CudaStatus.InvalidValue, Client.AddGraphDependencies(graph, [memcpy], [empty])); // already there

        // The node list, read in pages, names exactly the nodes as they were added.
        Assert.Equal(CudaStatus.Success, Client.GetGraphNodes(graph, 0, 2, out var total, out var first));
        Assert.Equal(CudaStatus.Success, Client.GetGraphNodes(graph, 2, 2, out _, out var second));
        Assert.Equal(4u, total);
        Assert.Equal(new[] { memset, kernel, memcpy, empty }, first.Concat(second));

        Assert.Equal(CudaStatus.Success, Client.InstantiateGraph(graph, 0, out var exec));
        using var stream = Gpu.CreateStream();
        Assert.Equal(CudaStatus.Success, Client.LaunchGraph(exec, stream.Handle));
        stream.Synchronize();
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i + 5f), copy.ToArray());

        // Only the executable graph changes: a new instantiation still has the graph's parameters.
        Assert.Equal(CudaStatus.Success, Client.SetGraphExecKernelNodeParams(exec, kernel, vectorAdd, new Dim3(4), new Dim3(256), 0, VectorAddArguments(b, b, c)));
        Assert.Equal(CudaStatus.InvalidValue, Client.SetGraphExecKernelNodeParams(exec, memset, vectorAdd, new Dim3(4), new Dim3(256), 0, VectorAddArguments(b, b, c)));
        Assert.Equal(CudaStatus.Success, Client.LaunchGraph(exec, stream.Handle));
        stream.Synchronize();
        Assert.All(copy.ToArray(), value => Assert.Equal(10f, value));
        Assert.Equal(CudaStatus.Success, Client.InstantiateGraph(graph, 0, out var fresh));
        Assert.Equal(CudaStatus.Success, Client.LaunchGraph(fresh, stream.Handle));
        stream.Synchronize();
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i + 5f), copy.ToArray());

        // Changing the graph's node shows in what is instantiated afterwards.
        Assert.Equal(CudaStatus.Success, Client.SetKernelNodeParams(kernel, vectorAdd, new Dim3(4), new Dim3(256), 0, VectorAddArguments(a, a, c)));
        Assert.Equal(CudaStatus.Success, Client.InstantiateGraph(graph, 0, out var changed));
        Assert.Equal(CudaStatus.Success, Client.LaunchGraph(changed, stream.Handle));
        stream.Synchronize();
        Assert.Equal(Enumerable.Range(0, Count).Select(i => 2f * i), copy.ToArray());

        foreach (var executable in new[] { exec, fresh, changed })
        {
            Assert.Equal(CudaStatus.Success, Client.DestroyGraphExec(executable));
        }
        Assert.Equal(CudaStatus.Success, Client.DestroyGraph(graph));
    }

    [Fact]
    public void Nodes_may_only_depend_on_nodes_of_their_graph_and_only_so_many()
    {
        using var buffer = Gpu.Allocate<int>(16);
        Assert.Equal(CudaStatus.Success, Client.CreateGraph(0, out var first));
        Assert.Equal(CudaStatus.Success, Client.CreateGraph(0, out var second));
        Assert.Equal(CudaStatus.Success, Client.AddEmptyNode(first, [], out var node));
        Assert.Equal(CudaStatus.InvalidValue, Client.AddEmptyNode(second, [node], out _));
        Assert.Equal(CudaStatus.InvalidHandle, Client.AddEmptyNode(second, [0xDEAD_BEEF], out _));
        Assert.Equal(CudaStatus.InvalidValue, Client.AddMemsetNode(first, [], buffer.Address, 64, 0, 4, 17, 1, out _)); // past the allocation
        Assert.Equal(CudaStatus.InvalidValue, Client.AddMemcpyNode(first, [], buffer.Address, 0, 0x1000, 0, 4, 1, out _)); // not the session's memory
        Assert.Equal(CudaStatus.InvalidValue, Client.CreateGraph(1, out _));

        // More dependencies than the protocol carries are refused before anything is sent.
        var many = Enumerable.Repeat(node, ProtocolLimits.MaxGraphNodeDependencies + 1).ToArray();
        Assert.Equal(CudaStatus.InvalidValue, Client.AddEmptyNode(first, many, out _));
        Assert.Equal(CudaStatus.Success, Client.GetGraphNodes(first, 0, 0, out var count, out _));
        Assert.Equal(1u, count);
        Assert.Equal(CudaStatus.Success, Client.DestroyGraph(first));
        Assert.Equal(CudaStatus.Success, Client.DestroyGraph(second));
        Assert.Equal(CudaStatus.InvalidHandle, Client.DestroyGraph(first));
    }

    [Fact]
    public async Task A_session_that_ends_takes_its_graphs_along()
    {
        var client = await ConnectAsync(Server);
        Assert.Equal(CudaStatus.Success, client.CreateStream(1, 0, out var stream));
        Assert.Equal(CudaStatus.Success, client.BeginCapture(stream, out _));
        Assert.Equal(CudaStatus.Success, client.CreateGraph(0, out var graph));
        Assert.Equal(CudaStatus.Success, client.AddEmptyNode(graph, [], out _));
        Assert.Equal(CudaStatus.Success, client.InstantiateGraph(graph, 0, out _));
        var live = Backend.LiveContextCount;
        await client.DisposeAsync();
        await WaitUntilAsync(() => Backend.LiveContextCount == live - 1, "the ended session's context (and its graphs) was destroyed");
    }

    /// <summary>vectorAdd(a, b, c, n) packed by its layout: three pointers and an int.</summary>
    private static byte[] VectorAddArguments(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> c)
    {
        var packed = new byte[28];
        BinaryPrimitives.WriteUInt64LittleEndian(packed, a.Address);
        BinaryPrimitives.WriteUInt64LittleEndian(packed.AsSpan(8), b.Address);
        BinaryPrimitives.WriteUInt64LittleEndian(packed.AsSpan(16), c.Address);
        BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(24), Count);
        return packed;
    }
}
