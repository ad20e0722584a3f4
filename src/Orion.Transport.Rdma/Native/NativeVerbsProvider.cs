using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Native;

/// <summary>Verbs through the C shim over the host's rdma-core.</summary>
internal sealed unsafe class NativeVerbsProvider : IVerbsProvider
{
    private const int MaxDevices = 16;

    public string Name => "ibverbs";

    public bool IsAvailable(out string reason)
    {
        var devices = Discover(out reason);
        if (devices.Count == 0)
        {
            return false;
        }
        var active = devices.FirstOrDefault(d => d.IsActive);
        if (active is null)
        {
            reason = $"RDMA device(s) {string.Join(", ", devices.Select(d => d.Name))} found but no port is active";
            return false;
        }
        reason = $"RDMA device {active.Name} ({active.LinkLayerName}) is active";
        return true;
    }

    /// <summary>The devices on this host; empty with a reason when the shim, rdma-core or a device is missing.</summary>
    public static IReadOnlyList<DeviceInfo> Discover(out string reason)
    {
        if (!ShimMethods.TryLoadLibrary(out reason))
        {
            return [];
        }
        if (ShimMethods.AbiVersionOfLibrary() != ShimMethods.AbiVersion)
        {
            reason = $"liborion_ibverbs.so ABI {ShimMethods.AbiVersionOfLibrary()} does not match the expected {ShimMethods.AbiVersion}";
            return [];
        }
        if (ShimMethods.Load() != 0)
        {
            reason = ShimMethods.LastError();
            return [];
        }
        var infos = stackalloc ShimDeviceInfo[MaxDevices];
        var count = ShimMethods.ListDevices(infos, MaxDevices);
        if (count <= 0)
        {
            reason = count == 0 ? ShimMethods.LastError() : "device discovery failed: " + ShimMethods.LastError();
            if (reason.Length == 0)
            {
                reason = "no RDMA device";
            }
            return [];
        }
        var devices = new List<DeviceInfo>(count);
        for (var i = 0; i < Math.Min(count, MaxDevices); i++)
        {
            devices.Add(new DeviceInfo(ShimMethods.NameOf(ref infos[i]), infos[i].NodeGuid, infos[i].PortState, infos[i].LinkLayer, infos[i].ActiveMtu));
        }
        reason = "";
        return devices;
    }

    public IVerbsListener Listen(string host, int port, int backlog)
    {
        EnsureAvailable();
        var rc = ShimMethods.Listen(host, checked((ushort)port), backlog, out var handle, out var bound);
        if (rc != 0)
        {
            handle.Dispose();
            throw new TransportException(TransportError.Unavailable, $"RDMA listen on {host}:{port} failed: {ShimMethods.LastError()}");
        }
        return new NativeVerbsListener(handle, bound);
    }

    public IVerbsEndpoint CreateClient(string host, int port, ref QueueCapacities capacities, TimeSpan timeout)
    {
        EnsureAvailable();
        var rc = ShimMethods.CreateClient(host, checked((ushort)port), ToMilliseconds(timeout), ref capacities, out var handle);
        if (rc != 0)
        {
            handle.Dispose();
            throw new TransportException(TransportError.ConnectFailed, $"RDMA connect to {host}:{port} failed: {ShimMethods.LastError()}");
        }
        return new NativeVerbsEndpoint(handle);
    }

    internal static int ToMilliseconds(TimeSpan timeout)
        => timeout == Timeout.InfiniteTimeSpan ? int.MaxValue : (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue);

    private void EnsureAvailable()
    {
        if (!IsAvailable(out var reason))
        {
            throw new TransportException(TransportError.Unavailable, "RDMA is not available: " + reason);
        }
    }
}
