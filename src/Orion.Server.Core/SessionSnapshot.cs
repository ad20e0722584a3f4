namespace Orion.Server.Core;

/// <summary>What one live session holds at a moment; tests and operators read it.</summary>
/// <param name="SessionId">The id the welcome gave the client.</param>
/// <param name="ClientName">The name the client gave in its hello.</param>
/// <param name="RemoteEndpoint">Where the client connected from.</param>
/// <param name="Contexts">Device contexts the session has created.</param>
/// <param name="Allocations">Live device allocations.</param>
/// <param name="AllocatedBytes">Bytes in those allocations.</param>
/// <param name="Streams">Live streams (client-chosen handles).</param>
/// <param name="Events">Live events.</param>
/// <param name="Modules">Loaded modules.</param>
/// <param name="Functions">Functions looked up in those modules.</param>
public sealed record SessionSnapshot(
    ulong SessionId,
    string ClientName,
    string RemoteEndpoint,
    int Contexts,
    int Allocations,
    ulong AllocatedBytes,
    int Streams,
    int Events,
    int Modules,
    int Functions)
{
    /// <summary>The vGPU the session holds, or null where it holds none.</summary>
    public Orion.Cuda.Protocol.Wire.VGpuAssignment? VGpu { get; init; }

    /// <summary>True when the session holds nothing on any device.</summary>
    public bool IsEmpty => Contexts == 0 && Allocations == 0 && Streams == 0 && Events == 0 && Modules == 0 && Functions == 0;
}
