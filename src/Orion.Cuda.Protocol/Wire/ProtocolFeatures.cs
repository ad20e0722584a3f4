namespace Orion.Cuda.Protocol.Wire;

/// <summary>Optional protocol features; the session uses the intersection of what both sides offer.</summary>
[Flags]
public enum ProtocolFeatures : uint
{
    None = 0,
    /// <summary>Host-function markers (<c>cudaLaunchHostFunc</c>) are reported back.</summary>
    HostFunctions = 1,
    /// <summary>What the GPU's kernels print (device <c>printf</c>, <c>assert</c> messages) comes back to the client (<see cref="ReplyKind.DeviceOutput"/>).</summary>
    DeviceOutput = 2,
    /// <summary>The server keeps module images by content: a client may ask for one by its SHA-256 before sending it (<c>LoadCachedModule</c>).</summary>
    ModuleCache = 4,
}
