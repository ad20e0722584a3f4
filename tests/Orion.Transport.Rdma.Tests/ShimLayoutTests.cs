using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orion.Transport.Rdma.Native;
using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Tests;

/// <summary>
/// The C# mirrors of the shim's structs against the layout the C compiler gave them: the shim's C
/// test (make test, run by this project's build where rdma-core headers exist) writes
/// native/ibverbs_interop/build/layout.txt from sizeof/offsetof, and checks its constants against
/// verbs.h. Without that file the expected numbers below (the contract in orion_ibv.h) still apply.
/// </summary>
public sealed class ShimLayoutTests
{
    public static TheoryData<string, int> ExpectedLayout() => new()
    {
        { "orion_ibv_device_info.size", 120 },
        { "orion_ibv_device_info.node_guid", 64 },
        { "orion_ibv_device_info.max_mr_size", 72 },
        { "orion_ibv_device_info.vendor_id", 80 },
        { "orion_ibv_device_info.port_state", 92 },
        { "orion_ibv_device_info.link_layer", 96 },
        { "orion_ibv_device_info.max_mr", 116 },
        { "orion_ibv_qp_caps.size", 16 },
        { "orion_ibv_qp_caps.max_inline_data", 8 },
        { "orion_ibv_qp_caps.cq_entries", 12 },
        { "orion_ibv_send_wr.size", 48 },
        { "orion_ibv_send_wr.local_addr", 8 },
        { "orion_ibv_send_wr.remote_addr", 16 },
        { "orion_ibv_send_wr.length", 24 },
        { "orion_ibv_send_wr.lkey", 28 },
        { "orion_ibv_send_wr.rkey", 32 },
        { "orion_ibv_send_wr.opcode", 36 },
        { "orion_ibv_send_wr.send_flags", 40 },
        { "orion_ibv_send_wr.imm_data", 44 },
        { "orion_ibv_recv_wr.size", 24 },
        { "orion_ibv_recv_wr.addr", 8 },
        { "orion_ibv_recv_wr.length", 16 },
        { "orion_ibv_recv_wr.lkey", 20 },
        { "orion_ibv_wc.size", 32 },
        { "orion_ibv_wc.status", 8 },
        { "orion_ibv_wc.opcode", 12 },
        { "orion_ibv_wc.byte_len", 16 },
        { "orion_ibv_wc.imm_data", 20 },
        { "orion_ibv_wc.wc_flags", 24 },
        { "orion_ibv_wc.vendor_err", 28 },
        { "orion_ibv_mr_info.size", 16 },
        { "orion_ibv_mr_info.lkey", 8 },
        { "orion_ibv_mr_info.rkey", 12 },
    };

    [Theory]
    [MemberData(nameof(ExpectedLayout))]
    public void Csharp_mirror_matches_the_shim_layout(string item, int expected)
    {
        var native = NativeLayout();
        if (native is not null)
        {
            Assert.True(native.TryGetValue(item, out var measured), $"{item} missing from layout.txt");
            Assert.Equal(measured, expected);
        }
        Assert.Equal(expected, ManagedLayout(item));
    }

    [Fact]
    public void The_shim_C_test_ran_and_wrote_the_layout_where_rdma_core_headers_exist()
    {
        if (File.Exists("/usr/include/infiniband/verbs.h") && File.Exists("/usr/include/rdma/rdma_cma.h"))
        {
            Assert.NotNull(NativeLayout());
        }
    }

    [Fact]
    public void Enum_mirrors_carry_the_rdma_core_values_the_shim_checks()
    {
        // The same numbers shim_test.c asserts against verbs.h.
        Assert.Equal((1u, 2u, 3u), ((uint)WorkRequestOpcode.RdmaWriteWithImmediate, (uint)WorkRequestOpcode.Send, (uint)WorkRequestOpcode.SendWithImmediate));
        Assert.Equal((2u, 8u), ((uint)SendFlags.Signaled, (uint)SendFlags.Inline));
        Assert.Equal((1u, 2u, 4u), ((uint)AccessFlags.LocalWrite, (uint)AccessFlags.RemoteWrite, (uint)AccessFlags.RemoteRead));
        Assert.Equal((128u, 129u), ((uint)CompletionOpcode.Receive, (uint)CompletionOpcode.ReceiveRdmaWithImmediate));
        Assert.Equal((5u, 10u, 13u), ((uint)CompletionStatus.WorkRequestFlushed, (uint)CompletionStatus.RemoteAccessError, (uint)CompletionStatus.ReceiverNotReadyRetryExceeded));
    }

    private static int ManagedLayout(string item)
    {
        var (structName, field) = (item[..item.IndexOf('.', StringComparison.Ordinal)], item[(item.IndexOf('.', StringComparison.Ordinal) + 1)..]);
        var (type, fields) = structName switch
        {
            "orion_ibv_device_info" => (typeof(ShimDeviceInfo), new Dictionary<string, string>
            {
                ["node_guid"] = nameof(ShimDeviceInfo.NodeGuid), ["max_mr_size"] = nameof(ShimDeviceInfo.MaxMemoryRegionSize),
                ["vendor_id"] = nameof(ShimDeviceInfo.VendorId), ["port_state"] = nameof(ShimDeviceInfo.PortState),
                ["link_layer"] = nameof(ShimDeviceInfo.LinkLayer), ["max_mr"] = nameof(ShimDeviceInfo.MaxMemoryRegions),
            }),
            "orion_ibv_qp_caps" => (typeof(QueueCapacities), new Dictionary<string, string>
            {
                ["max_inline_data"] = nameof(QueueCapacities.MaxInlineData), ["cq_entries"] = nameof(QueueCapacities.CompletionQueueEntries),
            }),
            "orion_ibv_send_wr" => (typeof(SendWorkRequest), new Dictionary<string, string>
            {
                ["local_addr"] = nameof(SendWorkRequest.LocalAddress), ["remote_addr"] = nameof(SendWorkRequest.RemoteAddress),
                ["length"] = nameof(SendWorkRequest.Length), ["lkey"] = nameof(SendWorkRequest.LocalKey), ["rkey"] = nameof(SendWorkRequest.RemoteKey),
                ["opcode"] = nameof(SendWorkRequest.Opcode), ["send_flags"] = nameof(SendWorkRequest.Flags), ["imm_data"] = nameof(SendWorkRequest.ImmediateData),
            }),
            "orion_ibv_recv_wr" => (typeof(ReceiveWorkRequest), new Dictionary<string, string>
            {
                ["addr"] = nameof(ReceiveWorkRequest.Address), ["length"] = nameof(ReceiveWorkRequest.Length), ["lkey"] = nameof(ReceiveWorkRequest.LocalKey),
            }),
            "orion_ibv_wc" => (typeof(WorkCompletion), new Dictionary<string, string>
            {
                ["status"] = nameof(WorkCompletion.Status), ["opcode"] = nameof(WorkCompletion.Opcode), ["byte_len"] = nameof(WorkCompletion.ByteLength),
                ["imm_data"] = nameof(WorkCompletion.ImmediateData), ["wc_flags"] = nameof(WorkCompletion.Flags), ["vendor_err"] = nameof(WorkCompletion.VendorError),
            }),
            "orion_ibv_mr_info" => (typeof(ShimMemoryRegion), new Dictionary<string, string>
            {
                ["lkey"] = nameof(ShimMemoryRegion.LocalKey), ["rkey"] = nameof(ShimMemoryRegion.RemoteKey),
            }),
            _ => throw new ArgumentException(item),
        };
        return field == "size" ? Marshal.SizeOf(type) : (int)Marshal.OffsetOf(type, fields[field]);
    }

    private static Dictionary<string, int>? NativeLayout()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orion.Transport.sln")))
        {
            directory = directory.Parent;
        }
        var path = directory is null ? null : Path.Combine(directory.FullName, "native", "ibverbs_interop", "build", "layout.txt");
        if (path is null || !File.Exists(path))
        {
            return null;
        }
        return File.ReadAllLines(path)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Blittable_mirrors_are_unmanaged_so_spans_of_them_pass_by_pointer()
    {
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<SendWorkRequest>());
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<WorkCompletion>());
        Assert.Equal(48, Unsafe.SizeOf<SendWorkRequest>());
        Assert.Equal(32, Unsafe.SizeOf<WorkCompletion>());
    }
}
