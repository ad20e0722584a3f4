namespace Orion.CudartStub.Tests;

/// <summary>
/// The stub's own checks (`make test`): the export list is exactly CUDA 13's 422 names under
/// version libcudart.so.13, the C API test passes against the mock client, and a missing client
/// or refusing server fails fast with a message.
/// </summary>
public sealed class StubMakeTests
{
    [Fact]
    public void MakeTestPasses()
    {
        var build = Path.Combine(NativeArtifacts.WorkDirectory, "stub-make");
        var (_, output, errors) = NativeArtifacts.Run("make",
            ["-s", "-C", Path.Combine(NativeArtifacts.RepositoryRoot, "native", "cudart_stub"), $"BUILD={build}", "test"],
            TimeSpan.FromMinutes(3));
        Assert.Contains("check_exports: 422 symbols, all @@libcudart.so.13", output, StringComparison.Ordinal);
        Assert.Contains("PASS ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", output + errors, StringComparison.Ordinal);
        Directory.Delete(build, recursive: true);
    }
}
