using System.Reflection;
using System.Runtime.InteropServices;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Tests.Backend.Cuda;

public class CudaDriverSymbolTests
{
    private static readonly string[] BoundEntryPoints = typeof(CudaDriverApi)
        .GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
        .Select(method => method.GetCustomAttribute<LibraryImportAttribute>())
        .Where(attribute => attribute is not null)
        .Select(attribute => attribute!.EntryPoint!)
        .ToArray();

    [Fact]
    public void Checked_symbol_list_is_exactly_the_bound_entry_points()
    {
        // The GPU smoke test resolves CudaDriverSymbols.Names in the real libcuda; that only
        // proves the bindings if the list cannot drift from them.
        Assert.NotEmpty(BoundEntryPoints);
        Assert.Equal(BoundEntryPoints.Order(StringComparer.Ordinal), CudaDriverSymbols.Names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("cuCtxCreate_v4")]
    [InlineData("cuCtxDestroy_v2")]
    [InlineData("cuMemAlloc_v2")]
    [InlineData("cuMemFree_v2")]
    [InlineData("cuMemcpyHtoD_v2")]
    [InlineData("cuMemcpyDtoHAsync_v2")]
    [InlineData("cuMemcpy2D_v2")]
    [InlineData("cuMemsetD2D32_v2")]
    [InlineData("cuMemGetInfo_v2")]
    [InlineData("cuModuleGetGlobal_v2")]
    [InlineData("cuDeviceTotalMem_v2")]
    [InlineData("cuDeviceGetUuid_v2")]
    [InlineData("cuStreamDestroy_v2")]
    [InlineData("cuEventDestroy_v2")]
    [InlineData("cuEventElapsedTime_v2")]
    [InlineData("cuMemHostRegister_v2")]
    [InlineData("cuMemAllocHost_v2")]
    [InlineData("cuMemGetAddressRange_v2")]
    public void Versioned_entry_points_are_bound_explicitly(string symbol)
    {
        // cuda.h maps each unversioned name to this symbol with a macro; binding the bare name
        // would silently reach the legacy (32-bit size) ABI.
        Assert.Contains(symbol, BoundEntryPoints);
        string bare = symbol[..symbol.LastIndexOf("_v", StringComparison.Ordinal)];
        Assert.DoesNotContain(bare, BoundEntryPoints);
    }

    [Fact]
    public void Every_binding_targets_libcuda_so_1()
    {
        var libraries = typeof(CudaDriverApi)
            .GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Select(method => method.GetCustomAttribute<LibraryImportAttribute>())
            .Where(attribute => attribute is not null)
            .Select(attribute => attribute!.LibraryName)
            .Distinct()
            .ToArray();
        Assert.Equal(["libcuda.so.1"], libraries);
    }
}
