using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Remote;

/// <summary>A module loaded on the remote device; unloaded on dispose.</summary>
public sealed class RemoteModule : IDisposable
{
    private readonly RemoteCudaClient _client;
    private ulong _handle;

    internal RemoteModule(RemoteCudaClient client, ulong handle)
    {
        _client = client;
        _handle = handle;
    }

    public ulong Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(RemoteModule));

    /// <summary>Looks up a kernel (its mangled name for C++ kernels, the plain name for <c>extern "C"</c>).</summary>
    public RemoteKernel GetKernel(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _client.ThrowIfFailed(_client.GetFunction(Handle, name, out var function), $"cuModuleGetFunction('{name}')");
        return new RemoteKernel(_client, function, name, _client.GetParameterLayout(function)!);
    }

    /// <summary>A <c>__device__</c> or <c>__constant__</c> variable: its device address and size in bytes.</summary>
    public (ulong Address, ulong Bytes) GetGlobal(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _client.ThrowIfFailed(_client.GetGlobal(Handle, name, out var address, out var bytes), $"cuModuleGetGlobal('{name}')");
        return (address, bytes);
    }

    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, 0);
        if (handle != 0 && _client.IsConnected)
        {
            _client.UnloadModule(handle);
        }
    }
}
