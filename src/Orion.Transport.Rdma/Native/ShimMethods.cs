using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Native;

/// <summary>
/// The shim's exports (native/ibverbs_interop/orion_ibv.h). Data-path calls that never block carry
/// <see cref="SuppressGCTransitionAttribute"/>: they take a microsecond or less, and the GC
/// transition would cost as much as the call. Calls that may sleep keep the normal transition.
/// </summary>
internal static unsafe partial class ShimMethods
{
    public const string Library = "orion_ibverbs";
    public const int AbiVersion = 1;
    public const int MaxPrivateData = 56;

    [LibraryImport(Library, EntryPoint = "orion_ibv_abi_version")]
    public static partial int AbiVersionOfLibrary();

    [LibraryImport(Library, EntryPoint = "orion_ibv_last_error")]
    public static partial nint LastErrorPointer();

    public static string LastError() => Marshal.PtrToStringUTF8(LastErrorPointer()) ?? "";

    [LibraryImport(Library, EntryPoint = "orion_ibv_load")]
    public static partial int Load();

    [LibraryImport(Library, EntryPoint = "orion_ibv_list_devices")]
    public static partial int ListDevices(ShimDeviceInfo* devices, int max);

    [LibraryImport(Library, EntryPoint = "orion_ibv_ep_create_client", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int CreateClient(string host, ushort port, int timeoutMs, ref QueueCapacities capacities, out EndpointHandle endpoint);

    [LibraryImport(Library, EntryPoint = "orion_ibv_ep_connect")]
    public static partial int Connect(EndpointHandle endpoint, byte* privateData, byte privateLength, int timeoutMs, byte* peerPrivate, out byte peerPrivateLength);

    [LibraryImport(Library, EntryPoint = "orion_ibv_listen", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Listen(string host, ushort port, int backlog, out ListenerHandle listener, out ushort boundPort);

    [LibraryImport(Library, EntryPoint = "orion_ibv_listener_get_request")]
    public static partial int GetRequest(ListenerHandle listener, int timeoutMs, ref QueueCapacities capacities, out EndpointHandle endpoint, byte* peerPrivate, out byte peerPrivateLength);

    [LibraryImport(Library, EntryPoint = "orion_ibv_listener_destroy")]
    public static partial void DestroyListener(nint listener);

    [LibraryImport(Library, EntryPoint = "orion_ibv_ep_accept")]
    public static partial int Accept(EndpointHandle endpoint, byte* privateData, byte privateLength, int timeoutMs);

    [LibraryImport(Library, EntryPoint = "orion_ibv_ep_reject")]
    public static partial int Reject(EndpointHandle endpoint);

    [LibraryImport(Library, EntryPoint = "orion_ibv_reg_mr")]
    public static partial int RegisterMemory(EndpointHandle endpoint, ulong address, ulong length, uint access, out ShimMemoryRegion region);

    [LibraryImport(Library, EntryPoint = "orion_ibv_dereg_mr")]
    public static partial int DeregisterMemory(ulong handle);

    [LibraryImport(Library, EntryPoint = "orion_ibv_post_send")]
    [SuppressGCTransition]
    public static partial int PostSend(nint endpoint, SendWorkRequest* requests, int count, int* badIndex);

    [LibraryImport(Library, EntryPoint = "orion_ibv_post_recv")]
    [SuppressGCTransition]
    public static partial int PostReceive(nint endpoint, ReceiveWorkRequest* requests, int count, int* badIndex);

    [LibraryImport(Library, EntryPoint = "orion_ibv_poll_cq")]
    [SuppressGCTransition]
    public static partial int PollCompletions(nint endpoint, WorkCompletion* completions, int max);

    [LibraryImport(Library, EntryPoint = "orion_ibv_wait_cq")]
    public static partial int WaitForCompletion(EndpointHandle endpoint, int timeoutMs);

    [LibraryImport(Library, EntryPoint = "orion_ibv_ep_disconnected")]
    [SuppressGCTransition]
    public static partial int IsDisconnected(nint endpoint);

    [LibraryImport(Library, EntryPoint = "orion_ibv_ep_max_inline")]
    public static partial int MaxInline(EndpointHandle endpoint);

    [LibraryImport(Library, EntryPoint = "orion_ibv_ep_disconnect")]
    public static partial void Disconnect(EndpointHandle endpoint);

    [LibraryImport(Library, EntryPoint = "orion_ibv_ep_destroy")]
    public static partial void DestroyEndpoint(nint endpoint);

    /// <summary>Whether the shim library can be loaded at all (it ships beside the assembly).</summary>
    public static bool TryLoadLibrary(out string reason)
    {
        if (!OperatingSystem.IsLinux())
        {
            reason = "RDMA verbs are supported on Linux only";
            return false;
        }
        if (!NativeLibrary.TryLoad(Library, typeof(ShimMethods).Assembly, null, out _))
        {
            reason = "the Orion ibverbs shim (liborion_ibverbs.so) was not found beside the application";
            return false;
        }
        reason = "";
        return true;
    }

    public static string NameOf(ref ShimDeviceInfo info)
    {
        ReadOnlySpan<byte> bytes = info.Name;
        var end = bytes.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}
