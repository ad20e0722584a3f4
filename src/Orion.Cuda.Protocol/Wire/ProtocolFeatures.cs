namespace Orion.Cuda.Protocol.Wire;

/// <summary>Optional protocol features; the session uses the intersection of what both sides offer.</summary>
[Flags]
public enum ProtocolFeatures : uint
{
    None = 0,
    /// <summary>Host-function markers (<c>cudaLaunchHostFunc</c>) are reported back.</summary>
    HostFunctions = 1,
}
