using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions;

// The executor half of a session: runs each record of a message against the session's contexts.
// A record whose request id is 0 wants no reply: its failure latches and is reported with the next
// reply (as CUDA reports an asynchronous error at the next synchronizing call). Anything that is not
// a well-formed record is a ProtocolException, which ends the session.
internal sealed partial class ServerSession
{
    /// <summary>Handles below this are reserved: 0 the legacy default stream, 1 and 2 CUDA's legacy and per-thread stream sentinels.</summary>
    public const ulong FirstClientHandle = 16;

    private void ExecuteMessage(ReadOnlySpan<byte> message)
    {
        var reader = new ProtocolReader(message);
        if (reader.IsAtEnd)
        {
            throw new ProtocolException("empty message");
        }
        while (!reader.IsAtEnd)
        {
            var header = RequestHeader.Read(ref reader);
            var body = new ProtocolReader(reader.ReadSpan(header.BodyLength));
            Execute(header, ref body);
            body.ExpectEnd(header.Opcode.ToString());
        }
        FlushReplies();
    }

    private void Execute(in RequestHeader header, ref ProtocolReader body)
    {
        var ordered = (header.Modes & RequestModes.StreamOrdered) != 0;
        switch (header.Opcode)
        {
            case Opcode.SetDevice:
                {
                    var device = body.ReadUInt32();
                    var status = device < (uint)_contexts.Length ? CudaStatus.Success : CudaStatus.InvalidDevice;
                    if (status == CudaStatus.Success)
                    {
                        _currentDevice = (int)device;
                    }
                    Complete(header, status);
                    break;
                }
            case Opcode.DeviceSynchronize:
                Complete(header, WithContext(out var context) ?? context.Synchronize());
                break;
            case Opcode.MemoryGetInfo:
                {
                    ulong free = 0, total = 0;
                    var status = WithContext(out context) ?? context.GetMemoryInfo(out free, out total);
                    var start = BeginReply(header, status);
                    _replies.WriteUInt64(free);
                    _replies.WriteUInt64(total);
                    EndReply(start);
                    break;
                }
            case Opcode.DeviceReset:
                DestroyContext(_currentDevice);
                Complete(header, CudaStatus.Success);
                break;
            case Opcode.GetLimit:
                {
                    var limit = (ContextLimit)body.ReadUInt32();
                    ulong value = 0;
                    var status = WithContext(out context) ?? context.GetLimit(limit, out value);
                    var start = BeginReply(header, status);
                    _replies.WriteUInt64(value);
                    EndReply(start);
                    break;
                }
            case Opcode.SetLimit:
                {
                    var limit = (ContextLimit)body.ReadUInt32();
                    var value = body.ReadUInt64();
                    Complete(header, WithContext(out context) ?? context.SetLimit(limit, value));
                    break;
                }
            case Opcode.StreamPriorityRange:
                {
                    int least = 0, greatest = 0;
                    var status = WithContext(out context) ?? context.GetStreamPriorityRange(out least, out greatest);
                    var start = BeginReply(header, status);
                    _replies.WriteInt32(least);
                    _replies.WriteInt32(greatest);
                    EndReply(start);
                    break;
                }
            case Opcode.CanAccessPeer:
                {
                    var device = body.ReadUInt32();
                    var peer = body.ReadUInt32();
                    var canAccess = false;
                    var status = device < (uint)_contexts.Length && peer < (uint)_contexts.Length
                        ? _backend.CanAccessPeer(_config.Devices[device], _config.Devices[peer], out canAccess)
                        : CudaStatus.InvalidDevice;
                    var start = BeginReply(header, status);
                    _replies.WriteByte(canAccess ? (byte)1 : (byte)0);
                    EndReply(start);
                    break;
                }
            case Opcode.Allocate:
                {
                    var bytes = body.ReadUInt64();
                    ulong address = 0;
                    var status = WithContext(out context) ?? context.Allocate(bytes, out address);
                    if (status == CudaStatus.Success)
                    {
                        _tables.AddAllocation(address, bytes, _currentDevice);
                    }
                    var start = BeginReply(header, status);
                    _replies.WriteUInt64(address);
                    EndReply(start);
                    break;
                }
            case Opcode.AllocatePitch:
                {
                    var width = body.ReadUInt64();
                    var height = body.ReadUInt64();
                    var elementSize = body.ReadUInt32();
                    ulong address = 0, pitch = 0;
                    var status = WithContext(out context) ?? context.AllocatePitch(width, height, elementSize, out address, out pitch);
                    if (status == CudaStatus.Success)
                    {
                        _tables.AddAllocation(address, pitch * height, _currentDevice);
                    }
                    var start = BeginReply(header, status);
                    _replies.WriteUInt64(address);
                    _replies.WriteUInt64(pitch);
                    EndReply(start);
                    break;
                }
            case Opcode.Free:
                {
                    var address = body.ReadUInt64();
                    Complete(header, FreeAllocation(address, ordered: false, 0));
                    break;
                }
            case Opcode.AllocateAsync:
                {
                    var bytes = body.ReadUInt64();
                    var streamHandle = body.ReadUInt64();
                    ulong address = 0;
                    var status = WithContext(out context) ?? ResolveStream(streamHandle, out var stream)
                        ?? context.AllocateAsync(bytes, stream, out address);
                    if (status == CudaStatus.Success)
                    {
                        _tables.AddAllocation(address, bytes, _currentDevice);
                    }
                    var start = BeginReply(header, status);
                    _replies.WriteUInt64(address);
                    EndReply(start);
                    break;
                }
            case Opcode.FreeAsync:
                {
                    var address = body.ReadUInt64();
                    var streamHandle = body.ReadUInt64();
                    Complete(header, FreeAllocation(address, ordered: true, streamHandle));
                    break;
                }
            case Opcode.GetAddressRange:
                {
                    var address = body.ReadUInt64();
                    var found = _tables.TryFindAllocation(address, out var allocation);
                    var start = BeginReply(header, found ? CudaStatus.Success : CudaStatus.NotFound);
                    _replies.WriteUInt64(allocation.Address);
                    _replies.WriteUInt64(allocation.Bytes);
                    _replies.WriteUInt32((uint)allocation.Device);
                    EndReply(start);
                    break;
                }
            case Opcode.CopyHostToDevice:
                CopyHostToDevice(header, ref body, ordered);
                break;
            case Opcode.CopyDeviceToHost:
                CopyDeviceToHost(header, ref body, ordered);
                break;
            case Opcode.CopyDeviceToDevice:
                {
                    var destination = body.ReadUInt64();
                    var source = body.ReadUInt64();
                    var bytes = ReadTransferSize(ref body);
                    var streamHandle = body.ReadUInt64();
                    var status = WithContext(out context) ?? CheckRange(destination, bytes) ?? CheckRange(source, bytes)
                        ?? ResolveStream(streamHandle, out var stream)
                        ?? (ordered ? context.CopyDeviceToDeviceAsync(destination, source, bytes, stream) : context.CopyDeviceToDevice(destination, source, bytes));
                    Complete(header, status);
                    break;
                }
            case Opcode.Copy2D:
                Copy2D(header, ref body, ordered);
                break;
            case Opcode.Memset:
                {
                    var destination = body.ReadUInt64();
                    var value = body.ReadUInt32();
                    var elementSize = ReadMemsetElementSize(ref body);
                    var count = ReadTransferSize(ref body);
                    var streamHandle = body.ReadUInt64();
                    var status = WithContext(out context) ?? CheckRange(destination, count * (ulong)elementSize)
                        ?? ResolveStream(streamHandle, out var stream)
                        ?? (ordered ? context.MemsetAsync(destination, value, elementSize, count, stream) : context.Memset(destination, value, elementSize, count));
                    Complete(header, status);
                    break;
                }
            case Opcode.Memset2D:
                {
                    var destination = body.ReadUInt64();
                    var pitch = body.ReadUInt64();
                    var value = body.ReadUInt32();
                    var elementSize = ReadMemsetElementSize(ref body);
                    var width = ReadTransferSize(ref body);
                    var height = ReadTransferSize(ref body);
                    var streamHandle = body.ReadUInt64();
                    Complete(header, Memset2D(destination, pitch, value, elementSize, width, height, ordered, streamHandle));
                    break;
                }
            case Opcode.CopyPeer:
                {
                    var destination = body.ReadUInt64();
                    var destinationDevice = body.ReadUInt32();
                    var source = body.ReadUInt64();
                    var sourceDevice = body.ReadUInt32();
                    var bytes = ReadTransferSize(ref body);
                    var streamHandle = body.ReadUInt64();
                    Complete(header, CopyPeer(destination, destinationDevice, source, sourceDevice, bytes, ordered, streamHandle));
                    break;
                }
            case Opcode.ModuleLoad:
                LoadModule(header, ref body);
                break;
            case Opcode.ModuleUnload:
                {
                    var handle = body.ReadUInt64();
                    CudaStatus status;
                    if (!_tables.TryGetModule(handle, out var module))
                    {
                        status = CudaStatus.InvalidHandle;
                    }
                    else
                    {
                        status = ContextOf(module.Device).UnloadModule(module.Module);
                        _tables.RemoveModule(handle);
                    }
                    Complete(header, status);
                    break;
                }
            case Opcode.GetFunction:
                GetFunction(header, ref body);
                break;
            case Opcode.GetGlobal:
                {
                    var handle = body.ReadUInt64();
                    var name = body.ReadString(ProtocolLimits.MaxSymbolBytes);
                    ulong address = 0, bytes = 0;
                    var status = _tables.TryGetModule(handle, out var module)
                        ? ContextOf(module.Device).GetGlobal(module.Module, name, out address, out bytes)
                        : CudaStatus.InvalidHandle;
                    if (status == CudaStatus.Success)
                    {
                        _tables.AddAllocation(address, bytes, module!.Device, ownerModule: handle);
                    }
                    var start = BeginReply(header, status);
                    _replies.WriteUInt64(address);
                    _replies.WriteUInt64(bytes);
                    EndReply(start);
                    break;
                }
            case Opcode.FunctionGetAttribute:
                {
                    var handle = body.ReadUInt64();
                    var attribute = (FunctionAttributeId)body.ReadInt32();
                    var value = 0;
                    var status = _tables.TryGetFunction(handle, out var function)
                        ? ContextOf(function.Device).GetFunctionAttribute(function.Function, attribute, out value)
                        : CudaStatus.InvalidHandle;
                    var start = BeginReply(header, status);
                    _replies.WriteInt32(value);
                    EndReply(start);
                    break;
                }
            case Opcode.FunctionSetAttribute:
                {
                    var handle = body.ReadUInt64();
                    var attribute = (FunctionAttributeId)body.ReadInt32();
                    var value = body.ReadInt32();
                    Complete(header, _tables.TryGetFunction(handle, out var function)
                        ? ContextOf(function.Device).SetFunctionAttribute(function.Function, attribute, value)
                        : CudaStatus.InvalidHandle);
                    break;
                }
            case Opcode.FunctionSetCacheConfig:
                {
                    var handle = body.ReadUInt64();
                    var config = (FunctionCacheConfig)body.ReadInt32();
                    Complete(header, _tables.TryGetFunction(handle, out var function)
                        ? ContextOf(function.Device).SetFunctionCacheConfig(function.Function, config)
                        : CudaStatus.InvalidHandle);
                    break;
                }
            case Opcode.OccupancyMaxActiveBlocks:
                {
                    var handle = body.ReadUInt64();
                    var blockSize = body.ReadInt32();
                    var sharedBytes = body.ReadUInt64();
                    var flags = body.ReadUInt32();
                    var blocks = 0;
                    var status = _tables.TryGetFunction(handle, out var function)
                        ? ContextOf(function.Device).GetMaxActiveBlocksPerMultiprocessor(function.Function, blockSize, sharedBytes, flags, out blocks)
                        : CudaStatus.InvalidHandle;
                    var start = BeginReply(header, status);
                    _replies.WriteInt32(blocks);
                    EndReply(start);
                    break;
                }
            case Opcode.Launch:
                {
                    var handle = body.ReadUInt64();
                    var streamHandle = body.ReadUInt64();
                    var configuration = new LaunchConfiguration(body.ReadDim3(), body.ReadDim3(), body.ReadUInt32());
                    var parameters = body.ReadBytes(ProtocolLimits.MaxKernelParameterBytes);
                    CudaStatus status;
                    if (!_tables.TryGetFunction(handle, out var function))
                    {
                        status = CudaStatus.InvalidHandle;
                    }
                    else if (parameters.Length != function.ParameterBytes)
                    {
                        status = CudaStatus.InvalidValue;
                    }
                    else
                    {
                        status = ResolveStream(streamHandle, function.Device, out var stream)
                            ?? ContextOf(function.Device).Launch(function.Function, configuration, stream, parameters);
                    }
                    Complete(header, status);
                    break;
                }
            case Opcode.StreamCreate:
                {
                    var handle = body.ReadUInt64();
                    var flags = body.ReadUInt32();
                    var priority = body.ReadInt32();
                    var status = WithContext(out context) ?? CheckNewHandle(handle);
                    if (status is null)
                    {
                        status = context.CreateStream(flags, priority, out var stream);
                        if (status == CudaStatus.Success)
                        {
                            _tables.TryAddStream(handle, new SessionTables.StreamEntry(_currentDevice, stream));
                        }
                    }
                    Complete(header, status.Value);
                    break;
                }
            case Opcode.StreamDestroy:
                {
                    var handle = body.ReadUInt64();
                    var status = CudaStatus.InvalidHandle;
                    if (_tables.TryGetStream(handle, out var entry))
                    {
                        status = ContextOf(entry.Device).DestroyStream(entry.Stream);
                        _tables.RemoveStream(handle);
                    }
                    Complete(header, status);
                    break;
                }
            case Opcode.StreamSynchronize:
            case Opcode.StreamQuery:
                {
                    var handle = body.ReadUInt64();
                    var status = WithContext(out context) ?? ResolveStream(handle, out var stream)
                        ?? (header.Opcode == Opcode.StreamSynchronize ? context.SynchronizeStream(stream) : context.QueryStream(stream));
                    Complete(header, status);
                    break;
                }
            case Opcode.StreamWaitEvent:
                {
                    var streamHandle = body.ReadUInt64();
                    var eventHandle = body.ReadUInt64();
                    var flags = body.ReadUInt32();
                    var status = WithContext(out context) ?? ResolveStream(streamHandle, out var stream)
                        ?? (_tables.TryGetEvent(eventHandle, out var entry) ? context.StreamWaitEvent(stream, entry.Event, flags) : CudaStatus.InvalidHandle);
                    Complete(header, status);
                    break;
                }
            case Opcode.LaunchHostFunction:
                {
                    var streamHandle = body.ReadUInt64();
                    var marker = body.ReadUInt64();
                    var status = WithContext(out context) ?? ResolveStream(streamHandle, out var stream)
                        ?? context.LaunchHostFunction(stream, _hostFunctionReached, marker);
                    Complete(header, status);
                    break;
                }
            case Opcode.EventCreate:
                {
                    var handle = body.ReadUInt64();
                    var flags = body.ReadUInt32();
                    var status = WithContext(out context) ?? CheckNewHandle(handle);
                    if (status is null)
                    {
                        status = context.CreateEvent(flags, out var gpuEvent);
                        if (status == CudaStatus.Success)
                        {
                            _tables.TryAddEvent(handle, new SessionTables.EventEntry(_currentDevice, gpuEvent));
                        }
                    }
                    Complete(header, status.Value);
                    break;
                }
            case Opcode.EventDestroy:
                {
                    var handle = body.ReadUInt64();
                    var status = CudaStatus.InvalidHandle;
                    if (_tables.TryGetEvent(handle, out var entry))
                    {
                        status = ContextOf(entry.Device).DestroyEvent(entry.Event);
                        _tables.RemoveEvent(handle);
                    }
                    Complete(header, status);
                    break;
                }
            case Opcode.EventRecord:
                {
                    var eventHandle = body.ReadUInt64();
                    var streamHandle = body.ReadUInt64();
                    var flags = body.ReadUInt32();
                    var status = _tables.TryGetEvent(eventHandle, out var entry)
                        ? ResolveStream(streamHandle, entry.Device, out var stream) ?? ContextOf(entry.Device).RecordEvent(entry.Event, stream, flags)
                        : CudaStatus.InvalidHandle;
                    Complete(header, status);
                    break;
                }
            case Opcode.EventSynchronize:
            case Opcode.EventQuery:
                {
                    var handle = body.ReadUInt64();
                    var status = _tables.TryGetEvent(handle, out var entry)
                        ? header.Opcode == Opcode.EventSynchronize ? ContextOf(entry.Device).SynchronizeEvent(entry.Event) : ContextOf(entry.Device).QueryEvent(entry.Event)
                        : CudaStatus.InvalidHandle;
                    Complete(header, status);
                    break;
                }
            case Opcode.EventElapsedTime:
                {
                    var startHandle = body.ReadUInt64();
                    var endHandle = body.ReadUInt64();
                    var milliseconds = 0f;
                    var status = _tables.TryGetEvent(startHandle, out var first) && _tables.TryGetEvent(endHandle, out var second) && first.Device == second.Device
                        ? ContextOf(first.Device).GetEventElapsedTime(first.Event, second.Event, out milliseconds)
                        : CudaStatus.InvalidHandle;
                    var start = BeginReply(header, status);
                    _replies.WriteSingle(milliseconds);
                    EndReply(start);
                    break;
                }
            default:
                throw new ProtocolException($"unknown opcode {(ushort)header.Opcode}");
        }
    }

    // ---- replies and latched errors ----

    /// <summary>Replies with no body, or latches a failure when no reply is wanted.</summary>
    private void Complete(in RequestHeader header, CudaStatus status) => EndReply(BeginReply(header, status));

    /// <summary>Starts a reply (returns where its body starts), or, for a record that wants none, latches a failure and returns a negative value.</summary>
    private int BeginReply(in RequestHeader header, CudaStatus status)
    {
        if (header.RequestId == 0)
        {
            if (status != CudaStatus.Success && _latched == CudaStatus.Success)
            {
                _latched = status;
            }
            // Negative: "no reply", carrying where the handler's body will start so EndReply can drop it.
            return ~_replies.Length;
        }
        var latched = _latched;
        _latched = CudaStatus.Success;
        return ReplyHeader.BeginRecord(_replies, ReplyKind.Reply, header.RequestId, status, latched);
    }

    private void EndReply(int bodyStart)
    {
        if (bodyStart >= 0)
        {
            ReplyHeader.EndRecord(_replies, bodyStart);
        }
        else
        {
            // No reply wanted: handlers write their body unconditionally, so drop it again.
            _replies.Truncate(~bodyStart);
        }
    }

    // ---- contexts, handles, validation ----

    /// <summary>The current device's context, created on first use; null status when it is ready.</summary>
    private CudaStatus? WithContext(out IGpuContext context)
    {
        var existing = _contexts[_currentDevice];
        if (existing is null)
        {
            var status = _backend.CreateContext(_config.Devices[_currentDevice], out existing);
            if (status != CudaStatus.Success || existing is null)
            {
                context = null!;
                return status == CudaStatus.Success ? CudaStatus.Unknown : status;
            }
            _contexts[_currentDevice] = existing;
        }
        context = existing;
        return null;
    }

    /// <summary>The context of a device the session already used (its objects exist only there).</summary>
    private IGpuContext ContextOf(int device) =>
        _contexts[device] ?? throw new InvalidOperationException($"no context for device {device} although the session holds objects there");

    private CudaStatus? ResolveStream(ulong handle, out GpuStreamHandle stream) => ResolveStream(handle, _currentDevice, out stream);

    private CudaStatus? ResolveStream(ulong handle, int device, out GpuStreamHandle stream)
    {
        stream = GpuStreamHandle.Null;
        if (handle < FirstClientHandle)
        {
            // 0, and CUDA's legacy (1) and per-thread (2) sentinels, all mean the device's default stream.
            return handle <= 2 ? null : CudaStatus.InvalidHandle;
        }
        if (!_tables.TryGetStream(handle, out var entry) || entry.Device != device)
        {
            return CudaStatus.InvalidHandle;
        }
        stream = entry.Stream;
        return null;
    }

    private CudaStatus? CheckNewHandle(ulong handle) =>
        handle < FirstClientHandle || _tables.ContainsHandle(handle) ? CudaStatus.InvalidValue : null;

    private CudaStatus? CheckRange(ulong address, ulong bytes) => CheckRange(address, bytes, _currentDevice);

    private CudaStatus? CheckRange(ulong address, ulong bytes, int device) =>
        bytes == 0 || _tables.ContainsRange(address, bytes, device) ? null : CudaStatus.InvalidValue;

    private static ulong ReadTransferSize(ref ProtocolReader body)
    {
        var bytes = body.ReadUInt64();
        if (bytes > ProtocolLimits.MaxTransferBytes)
        {
            throw new ProtocolException($"transfer of {bytes} bytes exceeds the limit of {ProtocolLimits.MaxTransferBytes}");
        }
        return bytes;
    }

    private static MemsetElementSize ReadMemsetElementSize(ref ProtocolReader body)
    {
        var size = body.ReadByte();
        return size is 1 or 2 or 4 ? (MemsetElementSize)size : throw new ProtocolException($"memset element size {size} is not 1, 2 or 4");
    }

    /// <summary>Bytes from the first row's start to the last row's end; a value no allocation can hold when it overflows.</summary>
    private static ulong PitchedExtent(ulong pitch, ulong rowBytes, ulong height)
    {
        if (height == 0)
        {
            return 0;
        }
        var rows = (UInt128)(height - 1) * pitch + rowBytes;
        return rows > ulong.MaxValue ? ulong.MaxValue : (ulong)rows;
    }

    private CudaStatus Memset2D(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize, ulong width, ulong height, bool ordered, ulong streamHandle)
    {
        var rowBytes = width * (ulong)elementSize;
        if (rowBytes > pitch && height > 1)
        {
            return CudaStatus.InvalidValue;
        }
        if (WithContext(out var context) is { } noContext)
        {
            return noContext;
        }
        if (width == 0 || height == 0)
        {
            return CudaStatus.Success;
        }
        return CheckRange(destination, PitchedExtent(pitch, rowBytes, height))
            ?? ResolveStream(streamHandle, out var stream)
            ?? (ordered
                ? context.Memset2DAsync(destination, pitch, value, elementSize, width, height, stream)
                : context.Memset2D(destination, pitch, value, elementSize, width, height));
    }

    private CudaStatus FreeAllocation(ulong address, bool ordered, ulong streamHandle)
    {
        if (address == 0)
        {
            return CudaStatus.Success;
        }
        if (WithContext(out var context) is { } failed)
        {
            return failed;
        }
        if (!_tables.TryFindAllocation(address, out var allocation) || allocation.Address != address || allocation.IsModuleGlobal || allocation.Device != _currentDevice)
        {
            return CudaStatus.InvalidValue;
        }
        CudaStatus status;
        if (ordered)
        {
            status = ResolveStream(streamHandle, out var stream) ?? context.FreeAsync(address, stream);
        }
        else
        {
            status = context.Free(address);
        }
        if (status == CudaStatus.Success)
        {
            _tables.RemoveAllocation(address);
        }
        return status;
    }

    private CudaStatus CopyPeer(ulong destination, uint destinationDevice, ulong source, uint sourceDevice, ulong bytes, bool ordered, ulong streamHandle)
    {
        if (destinationDevice >= (uint)_contexts.Length || sourceDevice >= (uint)_contexts.Length)
        {
            return CudaStatus.InvalidDevice;
        }
        if (CheckRange(destination, bytes, (int)destinationDevice) is { } badDestination)
        {
            return badDestination;
        }
        if (CheckRange(source, bytes, (int)sourceDevice) is { } badSource)
        {
            return badSource;
        }
        if (bytes == 0)
        {
            return CudaStatus.Success;
        }
        // Both ranges are allocations of this session, so both contexts exist.
        var sourceContext = ContextOf((int)sourceDevice);
        var destinationContext = ContextOf((int)destinationDevice);
        if (!ordered)
        {
            return sourceContext.CopyPeer(destination, destinationContext, source, bytes);
        }
        return ResolveStream(streamHandle, (int)sourceDevice, out var stream)
            ?? sourceContext.CopyPeerAsync(destination, destinationContext, source, bytes, stream);
    }
}
