using System.Reflection;
using System.Runtime.CompilerServices;

namespace Orion.Transport.Tests;

/// <summary>
/// Shipped packages share no internals: an <see cref="InternalsVisibleToAttribute"/> naming another
/// package would turn its internals into an undeclared API between packages that version apart.
/// What one package needs of another is public (e.g. <c>StreamTransportConnection</c> for TCP);
/// only test assemblies may see internals.
/// </summary>
public static class PackageBoundary
{
    public static void AssertInternalsVisibleToTestsOnly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var friends = assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(friend => friend.AssemblyName);
        Assert.All(friends, friend => Assert.EndsWith(".Tests", friend, StringComparison.Ordinal));
    }
}
