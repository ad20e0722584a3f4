using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Remote;

/// <summary>A kernel of a loaded module, with the parameter layout the server reported.</summary>
public sealed class RemoteKernel
{
    private readonly RemoteCudaClient _client;
    private readonly int _packedBytes;

    internal RemoteKernel(RemoteCudaClient client, ulong handle, string name, IReadOnlyList<KernelParameterInfo> parameters)
    {
        _client = client;
        Handle = handle;
        Name = name;
        Parameters = parameters;
        _packedBytes = client.GetParameterBufferSize(handle);
    }

    public ulong Handle { get; }

    public string Name { get; }

    /// <summary>Offset and size of each parameter, in order.</summary>
    public IReadOnlyList<KernelParameterInfo> Parameters { get; }

    /// <summary>
    /// Launches asynchronously on <paramref name="stream"/> (null: the default stream). Each argument
    /// must have its parameter's size; a launch failure surfaces at the next synchronizing call.
    /// </summary>
    public void Launch(Dim3 grid, Dim3 block, uint sharedMemoryBytes, RemoteStream? stream, params ReadOnlySpan<KernelArgument> arguments)
    {
        if (arguments.Length != Parameters.Count)
        {
            throw new ArgumentException($"Kernel '{Name}' takes {Parameters.Count} parameters; {arguments.Length} arguments were given.", nameof(arguments));
        }
        Span<byte> packed = _packedBytes <= 1024 ? stackalloc byte[_packedBytes] : new byte[_packedBytes];
        packed.Clear();
        for (var i = 0; i < arguments.Length; i++)
        {
            var slot = Parameters[i];
            if (arguments[i].Size != slot.Size)
            {
                throw new ArgumentException($"Parameter {i} of '{Name}' is {slot.Size} bytes; the argument is {arguments[i].Size} bytes.", nameof(arguments));
            }
            arguments[i].CopyTo(packed.Slice((int)slot.Offset, (int)slot.Size));
        }
        var status = _client.Launch(Handle, grid, block, sharedMemoryBytes, stream?.Handle ?? 0, packed);
        if (status != CudaStatus.Success)
        {
            // The message is built only on failure: a launch must not allocate.
            throw ClientStatus.Failure(_client, status, $"cuLaunchKernel('{Name}')");
        }
    }

    /// <summary>Launches on the default stream with no dynamic shared memory.</summary>
    public void Launch(Dim3 grid, Dim3 block, params ReadOnlySpan<KernelArgument> arguments) =>
        Launch(grid, block, 0, null, arguments);

    /// <summary><c>cuFuncGetAttribute</c> (<paramref name="attribute"/> is a <c>CUfunction_attribute</c> value).</summary>
    public int GetAttribute(int attribute)
    {
        _client.ThrowIfFailed(_client.GetFunctionAttribute(Handle, attribute, out var value), "cuFuncGetAttribute");
        return value;
    }

    /// <summary>Blocks of <paramref name="blockSize"/> threads that fit on one multiprocessor at once.</summary>
    public int MaxActiveBlocksPerMultiprocessor(int blockSize, ulong dynamicSharedMemoryBytes = 0)
    {
        _client.ThrowIfFailed(_client.GetMaxActiveBlocksPerMultiprocessor(Handle, blockSize, dynamicSharedMemoryBytes, 0, out var blocks), "cuOccupancyMaxActiveBlocksPerMultiprocessor");
        return blocks;
    }
}
