using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.Sessions;

/// <summary>Receives one piece of device output.</summary>
internal delegate void DeviceOutputSink(DeviceOutputTarget stream, ReadOnlySpan<byte> text);

/// <summary>
/// What the GPU's kernels printed in this process since the last drain (the CUDA driver writes device
/// <c>printf</c> and <c>assert</c> text to the process's own standard output and error). Only a process that
/// serves one session can tell whose output it is, so only a worker has a source.
/// </summary>
internal interface IDeviceOutputSource
{
    /// <summary>Hands everything printed so far to <paramref name="sink"/>, in the order it was printed per stream.</summary>
    void Drain(DeviceOutputSink sink);
}
