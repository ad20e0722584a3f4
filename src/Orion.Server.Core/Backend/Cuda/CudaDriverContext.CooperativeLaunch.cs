using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// Cooperative launches. <c>cuLaunchCooperativeKernel</c> takes one pointer per parameter, not the packed
/// buffer the wire carries, so the pointers are made into that buffer from the layout
/// <see cref="GetFunction"/> read (<c>cuFuncGetParamInfo</c>). The driver checks that every block can be
/// resident at once and answers <c>CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE</c> otherwise.
/// </summary>
internal sealed unsafe partial class CudaDriverContext
{
    /// <summary>Parameters up to this count get their pointer array on the stack.</summary>
    private const int StackParameterPointers = 128;

    /// <summary>Each function's parameter layout, from <see cref="GetFunction"/>; forgotten with its module.</summary>
    private readonly Dictionary<nint, KernelParameterInfo[]> _parameterLayouts = [];

    public CudaStatus LaunchCooperative(GpuFunctionHandle kernel, in LaunchConfiguration configuration, GpuStreamHandle stream, ReadOnlySpan<byte> parameters)
    {
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!_parameterLayouts.TryGetValue(kernel.Value, out KernelParameterInfo[]? layout) || !_parameterBytes.TryGetValue(kernel.Value, out int required))
        {
            return CudaStatus.InvalidHandle;
        }

        // The driver reads each parameter at its offset for its size: all of them must lie in the buffer.
        if (parameters.Length < required)
        {
            return CudaStatus.InvalidValue;
        }

        Dim3 grid = configuration.Grid, block = configuration.Block;
        nint[]? heap = layout.Length > StackParameterPointers ? new nint[layout.Length] : null;
        Span<nint> pointers = heap ?? stackalloc nint[StackParameterPointers];
        fixed (byte* packed = parameters)
        fixed (nint* arguments = pointers)
        {
            for (int i = 0; i < layout.Length; i++)
            {
                arguments[i] = (nint)(packed + layout[i].Offset);
            }

            return CudaDriverApi.LaunchCooperativeKernel(kernel.Value, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z,
                configuration.SharedMemoryBytes, stream.Value, layout.Length == 0 ? null : (void**)arguments);
        }
    }
}
