using Orion.Transport.Tests;

namespace Orion.Transport.Rdma.Tests;

/// <summary>The RDMA package, like the others, shows its internals to test assemblies only
/// (see <see cref="PackageBoundary"/>).</summary>
public sealed class RdmaPackageBoundaryTests
{
    [Fact]
    public void Internals_are_visible_to_test_assemblies_only()
        => PackageBoundary.AssertInternalsVisibleToTestsOnly(typeof(RdmaTransport).Assembly);
}
