using System.Text;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Client;

// Modules, functions and launches. The server reads each function's parameter layout when it is
// looked up; the client keeps it and packs arguments by it, so a launch is one small record.
public sealed partial class RemoteCudaClient
{
    /// <summary>Loads a module image (fatbin, cubin or PTX text) on the current device.</summary>
    public unsafe CudaStatus LoadModule(ReadOnlySpan<byte> image, out ulong module)
    {
        fixed (byte* pointer = image)
        {
            return LoadModule((nint)pointer, (ulong)image.Length, out module);
        }
    }

    /// <summary>Loads a module image from native memory (the C front end's fatbin pointer).</summary>
    public CudaStatus LoadModule(nint image, ulong bytes, out ulong module)
    {
        module = 0;
        if ((image == 0 && bytes > 0) || bytes > (ulong)ProtocolLimits.MaxModuleImageBytes)
        {
            return CudaStatus.InvalidValue;
        }
        var handle = NewHandle();
        var call = RentCall();
        lock (_writerGate)
        {
            var record = Begin(Opcode.ModuleLoad, RequestModes.None, call.RequestId);
            record.Writer.WriteUInt64(handle);
            record.Writer.WriteUInt64(bytes);
            record.End();
            WriteBatchLocked();
            SendBulkLocked(image, bytes);
        }
        var status = AwaitReply(call);
        ReturnCall(call);
        module = status == CudaStatus.Success ? handle : 0;
        return status;
    }

    public CudaStatus UnloadModule(ulong module) => Call(Opcode.ModuleUnload, module);

    /// <summary>Looks up a kernel; its parameter layout is kept for launches and returned by <see cref="GetParameterLayout"/>.</summary>
    public CudaStatus GetFunction(ulong module, string name, out ulong function)
    {
        ArgumentNullException.ThrowIfNull(name);
        function = 0;
        if (Encoding.UTF8.GetByteCount(name) > ProtocolLimits.MaxSymbolBytes)
        {
            return CudaStatus.InvalidValue;
        }
        var handle = NewHandle();
        var call = RentCall();
        var record = Begin(Opcode.GetFunction, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt64(module);
        record.Writer.WriteUInt64(handle);
        record.Writer.WriteString(name, ProtocolLimits.MaxSymbolBytes);
        var status = Complete(call, record.End().Sequence);
        if (status == CudaStatus.Success)
        {
            var count = call.UInt32At(0);
            if (count > ProtocolLimits.MaxKernelParameters || call.BodyLength < 4 + ((int)count * 8))
            {
                status = CudaStatus.Unknown; // only a broken server answers like this
            }
            else
            {
                var layout = new KernelParameterInfo[count];
                for (var i = 0; i < layout.Length; i++)
                {
                    layout[i] = new KernelParameterInfo(call.UInt32At(4 + (i * 8)), call.UInt32At(8 + (i * 8)));
                }
                _layouts[handle] = layout;
                function = handle;
            }
        }
        ReturnCall(call);
        return status;
    }

    /// <summary>The parameter layout the server reported for <paramref name="function"/>, or null for an unknown handle.</summary>
    public IReadOnlyList<KernelParameterInfo>? GetParameterLayout(ulong function) =>
        _layouts.TryGetValue(function, out var layout) ? layout : null;

    /// <summary>Bytes of the packed parameter buffer of <paramref name="function"/> (-1 for an unknown handle).</summary>
    public int GetParameterBufferSize(ulong function) =>
        _layouts.TryGetValue(function, out var layout) ? PackedSize(layout) : -1;

    private static int PackedSize(KernelParameterInfo[] layout)
    {
        var size = 0u;
        foreach (var parameter in layout)
        {
            size = Math.Max(size, parameter.Offset + parameter.Size);
        }
        return (int)size;
    }

    /// <summary>A <c>__device__</c> or <c>__constant__</c> variable of a module: its address and size.</summary>
    public CudaStatus GetGlobal(ulong module, string name, out ulong address, out ulong bytes)
    {
        ArgumentNullException.ThrowIfNull(name);
        address = 0;
        bytes = 0;
        if (Encoding.UTF8.GetByteCount(name) > ProtocolLimits.MaxSymbolBytes)
        {
            return CudaStatus.InvalidValue;
        }
        var call = RentCall();
        var record = Begin(Opcode.GetGlobal, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt64(module);
        record.Writer.WriteString(name, ProtocolLimits.MaxSymbolBytes);
        var status = Complete(call, record.End().Sequence);
        if (status == CudaStatus.Success)
        {
            address = call.UInt64At(0);
            bytes = call.UInt64At(8);
        }
        ReturnCall(call);
        return status;
    }

    /// <summary><c>cuFuncGetAttribute</c>; <paramref name="attribute"/> is a <c>CUfunction_attribute</c> value.</summary>
    public CudaStatus GetFunctionAttribute(ulong function, int attribute, out int value)
    {
        var call = RentCall();
        var record = Begin(Opcode.FunctionGetAttribute, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt64(function);
        record.Writer.WriteInt32(attribute);
        var status = Complete(call, record.End().Sequence);
        value = call.Int32At(0);
        ReturnCall(call);
        return status;
    }

    /// <summary><c>cuFuncSetAttribute</c>.</summary>
    public CudaStatus SetFunctionAttribute(ulong function, int attribute, int value)
    {
        var call = RentCall();
        var record = Begin(Opcode.FunctionSetAttribute, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt64(function);
        record.Writer.WriteInt32(attribute);
        record.Writer.WriteInt32(value);
        var status = Complete(call, record.End().Sequence);
        ReturnCall(call);
        return status;
    }

    /// <summary><c>cuFuncSetCacheConfig</c>; <paramref name="config"/> is a <c>CUfunc_cache</c> value.</summary>
    public CudaStatus SetFunctionCacheConfig(ulong function, int config)
    {
        var call = RentCall();
        var record = Begin(Opcode.FunctionSetCacheConfig, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt64(function);
        record.Writer.WriteInt32(config);
        var status = Complete(call, record.End().Sequence);
        ReturnCall(call);
        return status;
    }

    /// <summary><c>cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags</c>.</summary>
    public CudaStatus GetMaxActiveBlocksPerMultiprocessor(ulong function, int blockSize, ulong dynamicSharedMemoryBytes, uint flags, out int blocks)
    {
        var call = RentCall();
        var record = Begin(Opcode.OccupancyMaxActiveBlocks, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt64(function);
        record.Writer.WriteInt32(blockSize);
        record.Writer.WriteUInt64(dynamicSharedMemoryBytes);
        record.Writer.WriteUInt32(flags);
        var status = Complete(call, record.End().Sequence);
        blocks = call.Int32At(0);
        ReturnCall(call);
        return status;
    }

    /// <summary>
    /// Launches with an already packed parameter buffer (laid out by <see cref="GetParameterLayout"/>).
    /// Asynchronous: a launch failure surfaces at the next synchronizing call.
    /// </summary>
    public CudaStatus Launch(ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, ulong stream, ReadOnlySpan<byte> packedParameters)
    {
        if (!_layouts.TryGetValue(function, out var layout))
        {
            return CudaStatus.InvalidHandle;
        }
        if (packedParameters.Length != PackedSize(layout))
        {
            return CudaStatus.InvalidValue;
        }
        var record = Begin(Opcode.Launch);
        WriteLaunchHeader(record.Writer, function, grid, block, sharedMemoryBytes, stream);
        record.Writer.WriteBytes(packedParameters);
        return EndAsync(ref record);
    }

    /// <summary>
    /// Launches with CUDA's <c>void** args</c>: one pointer per parameter, each read for the size
    /// the layout gives and packed straight into the outgoing batch.
    /// </summary>
    public unsafe CudaStatus Launch(ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, ulong stream, void** arguments)
    {
        if (!_layouts.TryGetValue(function, out var layout))
        {
            return CudaStatus.InvalidHandle;
        }
        if (arguments == null && layout.Length > 0)
        {
            return CudaStatus.InvalidValue;
        }
        var size = PackedSize(layout);
        var record = Begin(Opcode.Launch);
        WriteLaunchHeader(record.Writer, function, grid, block, sharedMemoryBytes, stream);
        record.Writer.WriteUInt32((uint)size);
        var packed = record.Writer.Reserve(size);
        packed.Clear();
        for (var i = 0; i < layout.Length; i++)
        {
            new ReadOnlySpan<byte>(arguments[i], (int)layout[i].Size).CopyTo(packed.Slice((int)layout[i].Offset));
        }
        return EndAsync(ref record);
    }

    private static void WriteLaunchHeader(ProtocolWriter writer, ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, ulong stream)
    {
        writer.WriteUInt64(function);
        writer.WriteUInt64(stream);
        writer.WriteDim3(grid);
        writer.WriteDim3(block);
        writer.WriteUInt32(sharedMemoryBytes);
    }
}
