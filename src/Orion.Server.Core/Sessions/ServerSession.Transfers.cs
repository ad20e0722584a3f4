using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions;

// Records that carry bulk data: host-to-device data follows the message as chunks of the
// negotiated size and is always consumed, even when the copy fails, so the connection stays in
// step; device-to-host data follows the reply that announces it. Each chunk passes through the
// device's pinned staging buffer.
internal sealed partial class ServerSession
{
    private void CopyHostToDevice(in RequestHeader header, ref ProtocolReader body, bool ordered)
    {
        var destination = body.ReadUInt64();
        var bytes = ReadTransferSize(ref body);
        var streamHandle = body.ReadUInt64();
        GpuStreamHandle stream = default;
        nint staging = 0;
        var status = WithContext(out var context) ?? CheckRange(destination, bytes)
            ?? ResolveStream(streamHandle, out stream) ?? Staging(out staging);
        for (ulong offset = 0; offset < bytes;)
        {
            var chunk = (int)Math.Min((ulong)_config.ChunkBytes, bytes - offset);
            if (status is null)
            {
                ReceiveBulk(staging, chunk);
                var copied = ordered
                    ? context.CopyHostToDeviceAsync(destination + offset, staging, (ulong)chunk, stream) is var queued && queued == CudaStatus.Success
                        ? context.SynchronizeStream(stream) // the staging buffer is reused for the next chunk
                        : queued
                    : context.CopyHostToDevice(destination + offset, staging, (ulong)chunk);
                status = copied == CudaStatus.Success ? null : copied;
            }
            else
            {
                Discard(chunk);
            }
            offset += (ulong)chunk;
        }
        Complete(header, status ?? CudaStatus.Success);
    }

    private void CopyDeviceToHost(in RequestHeader header, ref ProtocolReader body, bool ordered)
    {
        var source = body.ReadUInt64();
        var bytes = ReadTransferSize(ref body);
        var streamHandle = body.ReadUInt64();
        if (header.RequestId == 0)
        {
            throw new ProtocolException("a device-to-host copy needs a request id: its data goes with the reply");
        }
        GpuStreamHandle stream = default;
        nint staging = 0;
        var status = WithContext(out var context) ?? CheckRange(source, bytes)
            ?? ResolveStream(streamHandle, out stream) ?? Staging(out staging);
        lock (_sendGate)
        {
            var start = BeginReply(header, status ?? CudaStatus.Success);
            _replies.WriteUInt64(status is null ? bytes : 0);
            EndReply(start);
            FlushReplies();
            if (status is not null)
            {
                return;
            }
            for (ulong offset = 0; offset < bytes;)
            {
                var chunk = (int)Math.Min((ulong)_config.ChunkBytes, bytes - offset);
                FillStaging(context, staging, source + offset, chunk, ordered, stream);
                SendBulk(staging, chunk);
                offset += (ulong)chunk;
            }
        }
    }

    /// <summary>Copies one chunk into staging; a failure after the reply promised the data latches, and zeros go out instead.</summary>
    private unsafe void FillStaging(IGpuContext context, nint staging, ulong source, int chunk, bool ordered, GpuStreamHandle stream)
    {
        var status = ordered
            ? context.CopyDeviceToHostAsync(staging, source, (ulong)chunk, stream) is var queued && queued == CudaStatus.Success
                ? context.SynchronizeStream(stream)
                : queued
            : context.CopyDeviceToHost(staging, source, (ulong)chunk);
        if (status != CudaStatus.Success)
        {
            new Span<byte>((void*)staging, chunk).Clear();
            if (_latched == CudaStatus.Success)
            {
                _latched = status;
            }
        }
    }

    private void Copy2D(in RequestHeader header, ref ProtocolReader body, bool ordered)
    {
        var sourceLocation = ReadLocation(ref body);
        var destinationLocation = ReadLocation(ref body);
        var source = body.ReadUInt64();
        var sourcePitch = body.ReadUInt64();
        var destination = body.ReadUInt64();
        var destinationPitch = body.ReadUInt64();
        var width = ReadTransferSize(ref body);
        var height = ReadTransferSize(ref body);
        var streamHandle = body.ReadUInt64();
        var hostSide = sourceLocation == MemoryLocation.Host || destinationLocation == MemoryLocation.Host;
        if (sourceLocation == MemoryLocation.Host && destinationLocation == MemoryLocation.Host)
        {
            throw new ProtocolException("a host-to-host 2D copy never reaches the server");
        }
        if (hostSide && width > (ulong)_config.ChunkBytes)
        {
            throw new ProtocolException($"a 2D copy with a host side has rows of {width} bytes; the client splits rows wider than the {_config.ChunkBytes}-byte chunk");
        }
        if (hostSide && destinationLocation == MemoryLocation.Host && header.RequestId == 0)
        {
            throw new ProtocolException("a device-to-host 2D copy needs a request id: its data goes with the reply");
        }
        GpuStreamHandle stream = default;
        nint staging = 0;
        var empty = width == 0 || height == 0;
        var status = empty ? null : WithContext(out var context) ?? ResolveStream(streamHandle, out stream)
            ?? (sourceLocation == MemoryLocation.Device ? PitchCheck(source, sourcePitch, width, height) : null)
            ?? (destinationLocation == MemoryLocation.Device ? PitchCheck(destination, destinationPitch, width, height) : null)
            ?? (hostSide ? Staging(out staging) : null);
        context = _contexts[_currentDevice]!;
        var rowsPerChunk = empty ? 0 : Math.Max(1UL, (ulong)_config.ChunkBytes / width);

        if (!hostSide)
        {
            var copy = new MemoryCopy2D(MemoryLocation.Device, source, sourcePitch, MemoryLocation.Device, destination, destinationPitch, width, height);
            Complete(header, empty ? CudaStatus.Success : status ?? (ordered ? context.Copy2DAsync(copy, stream) : context.Copy2D(copy)));
            return;
        }

        if (sourceLocation == MemoryLocation.Host)
        {
            for (ulong row = 0; row < height; row += rowsPerChunk)
            {
                var rows = Math.Min(rowsPerChunk, height - row);
                var chunk = (int)(rows * width);
                if (status is null)
                {
                    ReceiveBulk(staging, chunk);
                    var copy = new MemoryCopy2D(MemoryLocation.Host, (ulong)staging, width, MemoryLocation.Device, destination + (row * destinationPitch), destinationPitch, width, rows);
                    var copied = Run2D(context, copy, ordered, stream);
                    status = copied == CudaStatus.Success ? null : copied;
                }
                else
                {
                    Discard(chunk);
                }
            }
            Complete(header, status ?? CudaStatus.Success);
            return;
        }

        lock (_sendGate)
        {
            var start = BeginReply(header, status ?? CudaStatus.Success);
            _replies.WriteUInt64(status is null ? width * height : 0);
            EndReply(start);
            FlushReplies();
            if (status is not null)
            {
                return;
            }
            for (ulong row = 0; row < height; row += rowsPerChunk)
            {
                var rows = Math.Min(rowsPerChunk, height - row);
                var chunk = (int)(rows * width);
                var copy = new MemoryCopy2D(MemoryLocation.Device, source + (row * sourcePitch), sourcePitch, MemoryLocation.Host, (ulong)staging, width, width, rows);
                var copied = Run2D(context, copy, ordered, stream);
                if (copied != CudaStatus.Success && _latched == CudaStatus.Success)
                {
                    _latched = copied;
                }
                SendBulk(staging, chunk);
            }
        }
    }

    private static CudaStatus Run2D(IGpuContext context, in MemoryCopy2D copy, bool ordered, GpuStreamHandle stream)
    {
        if (!ordered)
        {
            return context.Copy2D(copy);
        }
        var queued = context.Copy2DAsync(copy, stream);
        return queued == CudaStatus.Success ? context.SynchronizeStream(stream) : queued;
    }

    private CudaStatus? PitchCheck(ulong address, ulong pitch, ulong width, ulong height) =>
        width > pitch && height > 1 ? CudaStatus.InvalidValue : CheckRange(address, PitchedExtent(pitch, width, height));

    private static MemoryLocation ReadLocation(ref ProtocolReader body)
    {
        var location = body.ReadByte();
        return location is 1 or 2 ? (MemoryLocation)location : throw new ProtocolException($"memory location {location} is neither host (1) nor device (2)");
    }

    private void LoadModule(in RequestHeader header, ref ProtocolReader body)
    {
        var handle = body.ReadUInt64();
        var imageBytes = body.ReadUInt64();
        if (imageBytes > (ulong)ProtocolLimits.MaxModuleImageBytes)
        {
            throw new ProtocolException($"module image of {imageBytes} bytes exceeds the limit of {ProtocolLimits.MaxModuleImageBytes}");
        }
        var image = System.Buffers.ArrayPool<byte>.Shared.Rent((int)imageBytes);
        try
        {
            for (var offset = 0; offset < (int)imageBytes;)
            {
                var chunk = Math.Min(_config.ChunkBytes, (int)imageBytes - offset);
                SyncWait.Wait(_connection.ReceiveBulkAsync(image.AsMemory(offset, chunk)));
                offset += chunk;
            }
            var status = WithContext(out var context) ?? CheckNewHandle(handle);
            if (status is null)
            {
                status = context.LoadModule(image.AsSpan(0, (int)imageBytes), out var module);
                if (status == CudaStatus.Success)
                {
                    _tables.TryAddModule(handle, new SessionTables.ModuleEntry(_currentDevice, module));
                }
            }
            Complete(header, status.Value);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(image);
        }
    }

    private void GetFunction(in RequestHeader header, ref ProtocolReader body)
    {
        var moduleHandle = body.ReadUInt64();
        var functionHandle = body.ReadUInt64();
        var name = body.ReadString(ProtocolLimits.MaxSymbolBytes);
        KernelParameter[] parameters = [];
        CudaStatus status;
        if (CheckNewHandle(functionHandle) is { } badHandle)
        {
            status = badHandle;
        }
        else if (!_tables.TryGetModule(moduleHandle, out var module))
        {
            status = CudaStatus.InvalidHandle;
        }
        else
        {
            status = ContextOf(module.Device).GetFunction(module.Module, name, out var function, out parameters);
            if (status == CudaStatus.Success && parameters.Length > ProtocolLimits.MaxKernelParameters)
            {
                status = CudaStatus.NotSupported;
            }
            if (status == CudaStatus.Success)
            {
                var parameterBytes = 0;
                foreach (var parameter in parameters)
                {
                    parameterBytes = (int)Math.Max(parameterBytes, parameter.Offset + parameter.Size);
                }
                _tables.TryAddFunction(functionHandle, new SessionTables.FunctionEntry(module.Device, moduleHandle, function, parameters, parameterBytes));
            }
            else
            {
                parameters = [];
            }
        }
        var start = BeginReply(header, status);
        _replies.WriteUInt32((uint)parameters.Length);
        foreach (var parameter in parameters)
        {
            _replies.WriteUInt32(parameter.Offset);
            _replies.WriteUInt32(parameter.Size);
        }
        EndReply(start);
    }

    // ---- staging and bulk ----

    /// <summary>The current device's pinned staging buffer (one chunk), allocated on first use.</summary>
    private CudaStatus? Staging(out nint staging)
    {
        staging = _staging[_currentDevice];
        if (staging != 0)
        {
            return null;
        }
        var status = _contexts[_currentDevice]!.AllocateHost((ulong)_config.ChunkBytes, out staging);
        if (status != CudaStatus.Success)
        {
            return status;
        }
        _staging[_currentDevice] = staging;
        return null;
    }

    private void ReceiveBulk(nint destination, int bytes)
    {
        _bulkWindow.Reset(destination, bytes);
        SyncWait.Wait(_connection.ReceiveBulkAsync(_bulkWindow.Memory));
    }

    private void SendBulk(nint source, int bytes)
    {
        _bulkWindow.Reset(source, bytes);
        SyncWait.Wait(_connection.SendBulkAsync(_bulkWindow.Memory));
    }

    /// <summary>Consumes a chunk the failed copy will not use.</summary>
    private void Discard(int bytes)
    {
        _discard ??= new byte[_config.ChunkBytes];
        SyncWait.Wait(_connection.ReceiveBulkAsync(_discard.AsMemory(0, bytes)));
    }
}
