using Orion.Cuda.Protocol.Calls;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>The device area: the current device, its context, limits and memory figures.</summary>
internal sealed class DeviceCallHandler(SessionObjects objects) : IDeviceCalls
{
    public CudaStatus SetDevice(uint device)
    {
        if (device >= (uint)objects.DeviceCount)
        {
            return CudaStatus.InvalidDevice;
        }
        objects.CurrentDevice = (int)device;
        return CudaStatus.Success;
    }

    public CudaStatus SynchronizeDevice() => objects.WithContext(out var context) ?? context.Synchronize();

    public CudaStatus GetMemoryInfo(out ulong freeBytes, out ulong totalBytes)
    {
        freeBytes = 0;
        totalBytes = 0;
        var status = objects.WithContext(out var context) ?? context.GetMemoryInfo(out freeBytes, out totalBytes);
        if (status == CudaStatus.Success && objects.Config.SessionLimits.MemoryQuotaBytes is not null)
        {
            // The session's view: its quota is its device's memory, and what it may still take is what the
            // quota leaves, or what the card has left if that is less.
            var device = objects.CurrentDevice;
            var quota = objects.Config.SessionMemoryOn(device);
            var held = objects.MemoryHeldOn(device);
            totalBytes = quota;
            freeBytes = Math.Min(freeBytes, held >= quota ? 0 : quota - held);
        }
        return status;
    }

    public CudaStatus ResetDevice()
    {
        objects.DestroyContext(objects.CurrentDevice);
        return CudaStatus.Success;
    }

    public CudaStatus GetLimit(int limit, out ulong value)
    {
        value = 0;
        return objects.WithContext(out var context) ?? context.GetLimit((ContextLimit)limit, out value);
    }

    public CudaStatus SetLimit(int limit, ulong value) => objects.WithContext(out var context) ?? context.SetLimit((ContextLimit)limit, value);

    public CudaStatus GetStreamPriorityRange(out int leastPriority, out int greatestPriority)
    {
        leastPriority = 0;
        greatestPriority = 0;
        return objects.WithContext(out var context) ?? context.GetStreamPriorityRange(out leastPriority, out greatestPriority);
    }

    public CudaStatus CanAccessPeer(uint device, uint peerDevice, out bool canAccess)
    {
        canAccess = false;
        return device < (uint)objects.DeviceCount && peerDevice < (uint)objects.DeviceCount
            ? objects.Backend.CanAccessPeer(objects.Config.Devices[device], objects.Config.Devices[peerDevice], out canAccess)
            : CudaStatus.InvalidDevice;
    }
}
