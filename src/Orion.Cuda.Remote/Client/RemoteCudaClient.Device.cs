using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Client;

public sealed partial class RemoteCudaClient
{
    private int _currentDevice;

    /// <summary>The device later calls use (per client, not per thread).</summary>
    public int CurrentDevice => Volatile.Read(ref _currentDevice);

    /// <summary>Selects the device later calls use; checked here against the devices the server offered.</summary>
    public CudaStatus SetDevice(int device)
    {
        if ((uint)device >= (uint)Devices.Count)
        {
            return CudaStatus.InvalidDevice;
        }
        var record = Begin(Opcode.SetDevice);
        record.Writer.WriteUInt32((uint)device);
        Volatile.Write(ref _currentDevice, device);
        return EndAsync(ref record);
    }

    /// <summary>Waits for all work of the current device (<c>cuCtxSynchronize</c>).</summary>
    public CudaStatus Synchronize()
    {
        var call = RentCall();
        var record = Begin(Opcode.DeviceSynchronize, RequestModes.None, call.RequestId);
        var status = Complete(call, record.End().Sequence);
        ReturnCall(call);
        return status;
    }

    /// <summary>Destroys the current device's context on the server and everything in it.</summary>
    public CudaStatus DeviceReset()
    {
        var call = RentCall();
        var record = Begin(Opcode.DeviceReset, RequestModes.None, call.RequestId);
        var status = Complete(call, record.End().Sequence);
        ReturnCall(call);
        return status;
    }

    public CudaStatus GetMemoryInfo(out ulong freeBytes, out ulong totalBytes)
    {
        var call = RentCall();
        var record = Begin(Opcode.MemoryGetInfo, RequestModes.None, call.RequestId);
        var status = Complete(call, record.End().Sequence);
        freeBytes = call.UInt64At(0);
        totalBytes = call.UInt64At(8);
        ReturnCall(call);
        return status;
    }

    /// <summary><c>cuCtxGetLimit</c>; <paramref name="limit"/> is a <c>CUlimit</c> value.</summary>
    public CudaStatus GetLimit(int limit, out ulong value)
    {
        var call = RentCall();
        var record = Begin(Opcode.GetLimit, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt32((uint)limit);
        var status = Complete(call, record.End().Sequence);
        value = call.UInt64At(0);
        ReturnCall(call);
        return status;
    }

    /// <summary><c>cuCtxSetLimit</c>.</summary>
    public CudaStatus SetLimit(int limit, ulong value)
    {
        var call = RentCall();
        var record = Begin(Opcode.SetLimit, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt32((uint)limit);
        record.Writer.WriteUInt64(value);
        var status = Complete(call, record.End().Sequence);
        ReturnCall(call);
        return status;
    }

    public CudaStatus GetStreamPriorityRange(out int leastPriority, out int greatestPriority)
    {
        var call = RentCall();
        var record = Begin(Opcode.StreamPriorityRange, RequestModes.None, call.RequestId);
        var status = Complete(call, record.End().Sequence);
        leastPriority = call.Int32At(0);
        greatestPriority = call.Int32At(4);
        ReturnCall(call);
        return status;
    }

    public CudaStatus CanAccessPeer(int device, int peerDevice, out bool canAccess)
    {
        canAccess = false;
        if ((uint)device >= (uint)Devices.Count || (uint)peerDevice >= (uint)Devices.Count)
        {
            return CudaStatus.InvalidDevice;
        }
        var call = RentCall();
        var record = Begin(Opcode.CanAccessPeer, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt32((uint)device);
        record.Writer.WriteUInt32((uint)peerDevice);
        var status = Complete(call, record.End().Sequence);
        canAccess = call.ByteAt(0) != 0;
        ReturnCall(call);
        return status;
    }
}
