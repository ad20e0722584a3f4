using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Client.Native;

/// <summary>One device the application sees: a device of one server's session.</summary>
/// <param name="Server">Index of the server in ORION_SERVER.</param>
/// <param name="Client">The session with that server.</param>
/// <param name="LocalIndex">The device's ordinal on that server.</param>
internal sealed record RemoteDevice(int Server, RemoteCudaClient Client, int LocalIndex);
