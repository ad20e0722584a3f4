namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// Cooperative launches on the emulated device. A kernel body runs the whole grid (block after block), so a
/// grid-wide barrier is the body finishing one phase for every block before it starts the next; what the
/// emulation checks is what the driver checks: that every block could be resident at once.
/// </summary>
internal sealed partial class EmulatedContext
{
    public CudaStatus LaunchCooperative(GpuFunctionHandle kernel, in LaunchConfiguration configuration, GpuStreamHandle stream, ReadOnlySpan<byte> parameters)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        var block = configuration.Block;
        if (block.Volume is 0 or > 1024)
        {
            return CudaStatus.InvalidValue;
        }
        // The same occupancy cudaOccupancyMaxActiveBlocksPerMultiprocessor reports, times the multiprocessors.
        var occupancy = GetMaxActiveBlocksPerMultiprocessor(kernel, (int)block.Volume, configuration.SharedMemoryBytes, 0, out var perMultiprocessor);
        if (occupancy != CudaStatus.Success)
        {
            return occupancy;
        }
        if (configuration.Grid.Volume > (ulong)perMultiprocessor * EmulatedDeviceAttributes.MultiprocessorCount)
        {
            return CudaStatus.CooperativeLaunchTooLarge;
        }
        return Run(kernel, configuration, stream, parameters, cooperative: true);
    }
}
