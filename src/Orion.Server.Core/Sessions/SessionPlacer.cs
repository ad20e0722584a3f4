using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// Admission during a session's handshake, after its token was accepted: places session <paramref name="sessionId"/> for
/// what its hello asks and returns its view (devices, limits, vGPU), or null with a one-line <paramref name="refusal"/>
/// for the client. What it holds is given back when the session ends (the server's end callback).
/// </summary>
internal delegate ServerSessionConfig? SessionPlacer(ulong sessionId, VGpuRequest request, out string refusal);
