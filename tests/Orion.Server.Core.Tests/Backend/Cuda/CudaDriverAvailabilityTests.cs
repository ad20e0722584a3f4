using System.Runtime.InteropServices;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Cuda;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Tests.Backend.Cuda;

/// <summary>
/// On hosts without the driver (CI) the backend must refuse with a reason an operator can act on;
/// on a GPU host the same tests check the other branch, so each assertion runs somewhere real.
/// </summary>
public class CudaDriverAvailabilityTests
{
    private static bool DriverInstalled => NativeLibrary.TryLoad("libcuda.so.1", out _);

    [Fact]
    public void A_missing_library_is_reported_by_name()
    {
        bool loaded = CudaDriverProbe.TryLoadLibrary("libcuda-orion-test-absent.so.1", out string reason);

        Assert.False(loaded);
        Assert.Contains("libcuda-orion-test-absent.so.1 not found", reason, StringComparison.Ordinal);
        Assert.Contains("CUDA driver", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Provider_says_why_there_is_no_CUDA_backend_or_gives_a_real_one()
    {
        bool created = GpuBackendProvider.TryCreateCudaDriver(out IGpuBackend? backend, out string reason);
        using (backend)
        {
            if (!DriverInstalled)
            {
                Assert.False(created);
                Assert.Null(backend);
                Assert.Contains("libcuda.so.1 not found", reason, StringComparison.Ordinal);
            }
            else if (created)
            {
                Assert.False(backend!.IsEmulated);
                Assert.Equal(CudaStatus.Success, backend.GetDeviceCount(out int count));
                Assert.True(count > 0);
                Assert.Equal(string.Empty, reason);
            }
            else
            {
                // Driver present but unusable (no device, container without /dev/nvidia*).
                Assert.Null(backend);
                Assert.False(string.IsNullOrWhiteSpace(reason));
                Assert.DoesNotContain("not found", reason, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Probe_answer_is_stable_across_calls()
    {
        bool first = CudaDriverProbe.TryInitialize(out int count1, out string reason1);
        bool second = CudaDriverProbe.TryInitialize(out int count2, out string reason2);

        Assert.Equal(first, second);
        Assert.Equal(count1, count2);
        Assert.Equal(reason1, reason2);
        Assert.Equal(first, reason1.Length == 0);
    }

    [Fact]
    public void Error_names_fall_back_to_the_number_without_the_driver()
    {
        string name = CudaDriverErrors.Name(CudaStatus.IllegalAddress);
        string described = CudaDriverErrors.Describe(CudaStatus.IllegalAddress);

        if (DriverInstalled)
        {
            Assert.Equal("CUDA_ERROR_ILLEGAL_ADDRESS", name);
            Assert.StartsWith("CUDA_ERROR_ILLEGAL_ADDRESS (700): ", described, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("CUresult 700", name);
            Assert.Equal("CUresult 700 (700)", described);
        }
    }

    [Fact]
    public void Driver_exception_carries_function_and_code()
    {
        var exception = Assert.Throws<CudaDriverException>(() => CudaDriverException.ThrowIfFailed(CudaStatus.OutOfMemory, "cuMemAlloc_v2"));

        Assert.Equal("cuMemAlloc_v2", exception.Function);
        Assert.Equal(2, exception.Code);
        Assert.StartsWith("cuMemAlloc_v2 failed: ", exception.Message, StringComparison.Ordinal);
        Assert.Contains("(2)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Success_does_not_throw()
    {
        CudaDriverException.ThrowIfFailed(CudaStatus.Success, "cuInit");
    }
}
