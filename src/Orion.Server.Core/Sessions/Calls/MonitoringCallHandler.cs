using Orion.Cuda.Protocol.Calls;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>
/// The monitoring area: what the NVML replacement shows a tenant. The card's identity and sensors come from
/// the backend (the server's NVML and driver); the memory figures are this session's view of the device, so
/// that no tenant reads another's use of a shared GPU.
/// </summary>
internal sealed class MonitoringCallHandler(SessionObjects objects) : IMonitoringCalls
{
    public CudaStatus GetDeviceStatus(uint device, out DeviceStatus deviceStatus)
    {
        deviceStatus = new DeviceStatus();
        if (device >= (uint)objects.DeviceCount)
        {
            return CudaStatus.InvalidDevice;
        }
        var index = (int)device;
        var queried = objects.Backend.QueryDeviceStatus(objects.Config.Devices[index], out var card);
        if (queried != CudaStatus.Success)
        {
            return queried;
        }
        var used = SessionMemoryUsed(index);
        var active = objects.HasContext(index) || used > 0;
        deviceStatus = card
            .With(DeviceReading.MemoryTotal, DeviceReadingValue.Of(SessionMemoryTotal(index, card)))
            .With(DeviceReading.MemoryUsed, DeviceReadingValue.Of(used))
            .With(DeviceReading.SessionActive, DeviceReadingValue.Of(active ? 1UL : 0UL));
        return CudaStatus.Success;
    }

    public CudaStatus GetServerVGpus(out ulong sessionId, out ServerVGpuStatus[] vgpus)
    {
        sessionId = objects.SessionId;
        vgpus = [];
        if (objects.Config.ServerStatus is not { } server)
        {
            return CudaStatus.NotSupported;
        }
        var table = server.VGpus();
        vgpus = [.. table.Take(Orion.Cuda.Protocol.Wire.ProtocolLimits.MaxServerVGpuEntries)];
        return CudaStatus.Success;
    }

    public CudaStatus GetServerSessions(out uint sessionCount, out ServerSessionStatus[] sessions)
    {
        sessionCount = 0;
        sessions = [];
        if (objects.Config.ServerStatus is not { } server)
        {
            return CudaStatus.NotSupported;
        }
        var (count, visible) = server.Sessions(objects.SessionId);
        sessionCount = (uint)count;
        sessions = [.. visible.Take(Orion.Cuda.Protocol.Wire.ProtocolLimits.MaxListedSessions)];
        return CudaStatus.Success;
    }

    /// <summary>
    /// The memory this session may use on the device: its memory quota (<see cref="SessionLimits.MemoryQuotaBytes"/>),
    /// else the card's total (the server NVML's, else the driver's).
    /// </summary>
    private ulong SessionMemoryTotal(int device, DeviceStatus card)
    {
        var total = card[DeviceReading.MemoryTotal];
        var cardTotal = total.Status == DeviceReadingValue.Success && total.Value > 0 ? total.Value : objects.Config.DeviceInfos[device].TotalMemory;
        return objects.Config.SessionLimits.MemoryQuotaBytes is { } quota ? Math.Min(quota, cardTotal) : cardTotal;
    }

    /// <summary>
    /// What this session holds on the device by the server's own accounting: its allocations (plain, pitched,
    /// stream-ordered and from pools) and its arrays. Never the card's usage, which would show other tenants'
    /// activity; the context's own overhead and memory cached in pools beyond what is allocated are not counted.
    /// </summary>
    private ulong SessionMemoryUsed(int device)
    {
        return objects.MemoryHeldOn(device);
    }
}
