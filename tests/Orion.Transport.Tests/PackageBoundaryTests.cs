using System.Reflection;

namespace Orion.Transport.Tests;

/// <summary>See <see cref="PackageBoundary"/>.</summary>
public sealed class PackageBoundaryTests
{
    [Theory]
    [InlineData("Orion.Transport")]
    [InlineData("Orion.Transport.Tcp")]
    public void Internals_are_visible_to_test_assemblies_only(string assemblyName)
        => PackageBoundary.AssertInternalsVisibleToTestsOnly(Assembly.Load(assemblyName));
}
