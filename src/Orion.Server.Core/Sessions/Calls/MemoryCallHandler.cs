using Orion.Cuda.Protocol.Calls;
using Orion.Cuda.Protocol.Description;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>
/// The memory area: allocations of the session (every address a copy or memset names must lie in
/// one of them), copies, memsets. Host data passes through the device's pinned staging buffer one
/// chunk at a time; a stream-ordered chunk is waited for before the buffer is reused.
/// </summary>
internal sealed class MemoryCallHandler(SessionObjects objects) : IMemoryCalls
{
    public CudaStatus Allocate(ulong bytes, out ulong address)
    {
        address = 0;
        var status = objects.WithContext(out var context) ?? objects.RefuseBeyondLimits(objects.CurrentDevice, bytes)
            ?? context.Allocate(bytes, out address);
        if (status == CudaStatus.Success)
        {
            objects.Tables.AddAllocation(address, bytes, objects.CurrentDevice);
        }
        return status;
    }

    public CudaStatus AllocatePitch(ulong widthBytes, ulong height, uint elementBytes, out ulong address, out ulong pitch)
    {
        address = 0;
        pitch = 0;
        // The rows as asked first; the padded layout the driver chose is held to the quota once it is known.
        var asked = height != 0 && widthBytes > ulong.MaxValue / height ? ulong.MaxValue : widthBytes * height;
        var status = objects.WithContext(out var context) ?? objects.RefuseBeyondLimits(objects.CurrentDevice, asked)
            ?? context.AllocatePitch(widthBytes, height, elementBytes, out address, out pitch);
        if (status == CudaStatus.Success && objects.RefuseBeyondLimits(objects.CurrentDevice, pitch * height) is { } beyond)
        {
            context.Free(address);
            (address, pitch) = (0, 0);
            return beyond;
        }
        if (status == CudaStatus.Success)
        {
            objects.Tables.AddAllocation(address, pitch * height, objects.CurrentDevice);
        }
        return status;
    }

    public CudaStatus Free(ulong address) => FreeAllocation(address, ordered: false, 0);

    public CudaStatus AllocateAsync(ulong bytes, ulong stream, out ulong address)
    {
        address = 0;
        // From the device's current pool: the one cuDeviceSetMemPool chose, else the session's default pool
        // (the context's own, never the device's process-wide one: MemoryPoolCallHandler).
        var status = objects.WithContext(out var context) ?? objects.ResolveStream(stream, out var gpuStream)
            ?? CaptureGuard.RefuseWhileCapturing(context, gpuStream) ?? objects.RefuseBeyondLimits(objects.CurrentDevice, bytes)
            ?? (objects.Tables.TryGetCurrentMemoryPool(objects.CurrentDevice, out var current)
                ? context.AllocateFromPoolAsync(bytes, current.Pool, gpuStream, out address)
                : context.AllocateAsync(bytes, gpuStream, out address));
        if (status == CudaStatus.Success)
        {
            objects.Tables.AddAllocation(address, bytes, objects.CurrentDevice);
        }
        return status;
    }

    public CudaStatus FreeAsync(ulong address, ulong stream) => FreeAllocation(address, ordered: true, stream);

    public CudaStatus GetAddressRange(ulong address, out ulong baseAddress, out ulong bytes, out int device)
    {
        var found = objects.Tables.TryFindAllocation(address, out var allocation);
        (baseAddress, bytes, device) = (allocation.Address, allocation.Bytes, allocation.Device);
        return found ? CudaStatus.Success : CudaStatus.NotFound;
    }

    // ---- 1D copies with the client's host memory ----

    public CudaStatus CopyHostToDevice(ulong destination, ulong bytes, IncomingData data) => ReceiveCopy(destination, bytes, ordered: false, 0, data);

    public CudaStatus CopyHostToDeviceAsync(ulong destination, ulong bytes, ulong stream, IncomingData data) => ReceiveCopy(destination, bytes, ordered: true, stream, data);

    public CudaStatus CopyDeviceToHost(ulong source, ulong bytes, OutgoingData data) => SendCopy(source, bytes, ordered: false, 0, data);

    public CudaStatus CopyDeviceToHostAsync(ulong source, ulong bytes, ulong stream, OutgoingData data) => SendCopy(source, bytes, ordered: true, stream, data);

    private CudaStatus ReceiveCopy(ulong destination, ulong bytes, bool ordered, ulong stream, IncomingData data) =>
        PrepareStaged(destination, bytes, stream, out var context, out var gpuStream, out var staging)
            ?? PipelinedCopy.ToDevice(staging, data, ordered ? gpuStream : GpuStreamHandle.Null, new PipelinedCopy.LinearToDevice(context, destination));

    private CudaStatus SendCopy(ulong source, ulong bytes, bool ordered, ulong stream, OutgoingData data) =>
        PrepareStaged(source, bytes, stream, out var context, out var gpuStream, out var staging)
            ?? PipelinedCopy.FromDevice(staging, data, ordered ? gpuStream : GpuStreamHandle.Null, new PipelinedCopy.LinearFromDevice(context, source));

    /// <summary>What a copy between device memory and the client's host memory needs: the context, the stream, the staging buffers; or why it cannot run.</summary>
    private CudaStatus? PrepareStaged(ulong address, ulong bytes, ulong stream, out IGpuContext context, out GpuStreamHandle gpuStream, out StagingRing staging)
    {
        gpuStream = default;
        staging = null!;
        return objects.WithContext(out context) ?? objects.CheckRange(address, bytes)
            ?? objects.ResolveStream(stream, out gpuStream) ?? CaptureGuard.RefuseWhileCapturing(context, gpuStream) ?? objects.Staging(out staging);
    }

    // ---- device-to-device copies ----

    public CudaStatus CopyDeviceToDevice(ulong destination, ulong source, ulong bytes) =>
        objects.WithContext(out var context) ?? objects.CheckRange(destination, bytes) ?? objects.CheckRange(source, bytes)
            ?? context.CopyDeviceToDevice(destination, source, bytes);

    public CudaStatus CopyDeviceToDeviceAsync(ulong destination, ulong source, ulong bytes, ulong stream) =>
        objects.WithContext(out var context) ?? objects.CheckRange(destination, bytes) ?? objects.CheckRange(source, bytes)
            ?? objects.ResolveStream(stream, out var gpuStream) ?? context.CopyDeviceToDeviceAsync(destination, source, bytes, gpuStream);

    public CudaStatus CopyPeer(ulong destination, uint destinationDevice, ulong source, uint sourceDevice, ulong bytes) =>
        Peer(destination, destinationDevice, source, sourceDevice, bytes, ordered: false, 0);

    public CudaStatus CopyPeerAsync(ulong destination, uint destinationDevice, ulong source, uint sourceDevice, ulong bytes, ulong stream) =>
        Peer(destination, destinationDevice, source, sourceDevice, bytes, ordered: true, stream);

    private CudaStatus Peer(ulong destination, uint destinationDevice, ulong source, uint sourceDevice, ulong bytes, bool ordered, ulong stream)
    {
        if (destinationDevice >= (uint)objects.DeviceCount || sourceDevice >= (uint)objects.DeviceCount)
        {
            return CudaStatus.InvalidDevice;
        }
        if ((objects.CheckRange(destination, bytes, (int)destinationDevice) ?? objects.CheckRange(source, bytes, (int)sourceDevice)) is { } outside)
        {
            return outside;
        }
        if (bytes == 0)
        {
            return CudaStatus.Success;
        }
        // Both ranges are allocations of this session, so both contexts exist.
        var sourceContext = objects.ContextOf((int)sourceDevice);
        var destinationContext = objects.ContextOf((int)destinationDevice);
        if (!ordered)
        {
            return sourceContext.CopyPeer(destination, destinationContext, source, bytes);
        }
        return objects.ResolveStream(stream, (int)sourceDevice, out var gpuStream)
            ?? sourceContext.CopyPeerAsync(destination, destinationContext, source, bytes, gpuStream);
    }

    // ---- 2D copies ----

    public CudaStatus Copy2DHostToDevice(ulong destination, ulong destinationPitch, ulong widthBytes, ulong height, IncomingData data) =>
        ReceiveRows(destination, destinationPitch, widthBytes, height, ordered: false, 0, data);

    public CudaStatus Copy2DHostToDeviceAsync(ulong destination, ulong destinationPitch, ulong widthBytes, ulong height, ulong stream, IncomingData data) =>
        ReceiveRows(destination, destinationPitch, widthBytes, height, ordered: true, stream, data);

    public CudaStatus Copy2DDeviceToHost(ulong source, ulong sourcePitch, ulong widthBytes, ulong height, OutgoingData data) =>
        SendRows(source, sourcePitch, widthBytes, height, ordered: false, 0, data);

    public CudaStatus Copy2DDeviceToHostAsync(ulong source, ulong sourcePitch, ulong widthBytes, ulong height, ulong stream, OutgoingData data) =>
        SendRows(source, sourcePitch, widthBytes, height, ordered: true, stream, data);

    public CudaStatus Copy2DDeviceToDevice(ulong destination, ulong destinationPitch, ulong source, ulong sourcePitch, ulong widthBytes, ulong height) =>
        DeviceRows(destination, destinationPitch, source, sourcePitch, widthBytes, height, ordered: false, 0);

    public CudaStatus Copy2DDeviceToDeviceAsync(ulong destination, ulong destinationPitch, ulong source, ulong sourcePitch, ulong widthBytes, ulong height, ulong stream) =>
        DeviceRows(destination, destinationPitch, source, sourcePitch, widthBytes, height, ordered: true, stream);

    private CudaStatus DeviceRows(ulong destination, ulong destinationPitch, ulong source, ulong sourcePitch, ulong width, ulong height, bool ordered, ulong stream)
    {
        if (width == 0 || height == 0)
        {
            return CudaStatus.Success;
        }
        GpuStreamHandle gpuStream = default;
        var status = objects.WithContext(out var context) ?? objects.ResolveStream(stream, out gpuStream)
            ?? PitchCheck(source, sourcePitch, width, height) ?? PitchCheck(destination, destinationPitch, width, height);
        if (status is not null)
        {
            return status.Value;
        }
        var copy = new MemoryCopy2D(MemoryLocation.Device, source, sourcePitch, MemoryLocation.Device, destination, destinationPitch, width, height);
        return ordered ? context.Copy2DAsync(copy, gpuStream) : context.Copy2D(copy);
    }

    private CudaStatus ReceiveRows(ulong destination, ulong destinationPitch, ulong width, ulong height, bool ordered, ulong stream, IncomingData data)
    {
        if (width == 0 || height == 0)
        {
            return CudaStatus.Success;
        }
        return PrepareStagedRows(destination, destinationPitch, width, height, stream, out var context, out var gpuStream, out var staging)
            ?? PipelinedCopy.ToDevice(staging, data, ordered ? gpuStream : GpuStreamHandle.Null, new PipelinedCopy.RowsToDevice(context, destination, destinationPitch, width));
    }

    private CudaStatus SendRows(ulong source, ulong sourcePitch, ulong width, ulong height, bool ordered, ulong stream, OutgoingData data)
    {
        if (width == 0 || height == 0)
        {
            return CudaStatus.Success;
        }
        return PrepareStagedRows(source, sourcePitch, width, height, stream, out var context, out var gpuStream, out var staging)
            ?? PipelinedCopy.FromDevice(staging, data, ordered ? gpuStream : GpuStreamHandle.Null, new PipelinedCopy.RowsFromDevice(context, source, sourcePitch, width));
    }

    /// <summary>As <see cref="PrepareStaged"/>, for rows of a pitched device buffer (the checks in the order the 2D copy always made them).</summary>
    private CudaStatus? PrepareStagedRows(ulong address, ulong pitch, ulong width, ulong height, ulong stream, out IGpuContext context, out GpuStreamHandle gpuStream, out StagingRing staging)
    {
        gpuStream = default;
        staging = null!;
        return objects.WithContext(out context) ?? objects.ResolveStream(stream, out gpuStream)
            ?? PitchCheck(address, pitch, width, height) ?? CaptureGuard.RefuseWhileCapturing(context, gpuStream) ?? objects.Staging(out staging);
    }

    private CudaStatus? PitchCheck(ulong address, ulong pitch, ulong width, ulong height) =>
        width > pitch && height > 1 ? CudaStatus.InvalidValue : objects.CheckRange(address, SessionObjects.PitchedExtent(pitch, width, height));

    // ---- memsets ----

    public CudaStatus Memset(ulong destination, uint value, MemsetElementSize elementSize, ulong count) =>
        objects.WithContext(out var context) ?? objects.CheckRange(destination, count * (ulong)elementSize)
            ?? context.Memset(destination, value, elementSize, count);

    public CudaStatus MemsetAsync(ulong destination, uint value, MemsetElementSize elementSize, ulong count, ulong stream) =>
        objects.WithContext(out var context) ?? objects.CheckRange(destination, count * (ulong)elementSize)
            ?? objects.ResolveStream(stream, out var gpuStream) ?? context.MemsetAsync(destination, value, elementSize, count, gpuStream);

    public CudaStatus Memset2D(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize, ulong widthElements, ulong height) =>
        SetRows(destination, pitch, value, elementSize, widthElements, height, ordered: false, 0);

    public CudaStatus Memset2DAsync(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize, ulong widthElements, ulong height, ulong stream) =>
        SetRows(destination, pitch, value, elementSize, widthElements, height, ordered: true, stream);

    private CudaStatus SetRows(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize, ulong width, ulong height, bool ordered, ulong stream)
    {
        var rowBytes = width * (ulong)elementSize;
        if (rowBytes > pitch && height > 1)
        {
            return CudaStatus.InvalidValue;
        }
        if (objects.WithContext(out var context) is { } noContext)
        {
            return noContext;
        }
        if (width == 0 || height == 0)
        {
            return CudaStatus.Success;
        }
        return objects.CheckRange(destination, SessionObjects.PitchedExtent(pitch, rowBytes, height))
            ?? objects.ResolveStream(stream, out var gpuStream)
            ?? (ordered
                ? context.Memset2DAsync(destination, pitch, value, elementSize, width, height, gpuStream)
                : context.Memset2D(destination, pitch, value, elementSize, width, height));
    }

    private CudaStatus FreeAllocation(ulong address, bool ordered, ulong stream)
    {
        if (address == 0)
        {
            return CudaStatus.Success;
        }
        if (objects.WithContext(out var context) is { } failed)
        {
            return failed;
        }
        if (!objects.Tables.TryFindAllocation(address, out var allocation) || allocation.Address != address || !allocation.IsOwnAllocation || allocation.Device != objects.CurrentDevice)
        {
            return CudaStatus.InvalidValue;
        }
        var status = ordered
            ? objects.ResolveStream(stream, out var gpuStream) ?? CaptureGuard.RefuseWhileCapturing(context, gpuStream) ?? context.FreeAsync(address, gpuStream)
            : context.Free(address);
        if (status == CudaStatus.Success)
        {
            objects.Tables.RemoveAllocation(address);
        }
        return status;
    }
}
