namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// The body of an emulated kernel: runs once per launch (not once per thread) and does the work of
/// the whole grid. Device memory is reached through <see cref="EmulatedLaunch"/>; an access outside
/// every allocation ends the launch with an illegal-address error, as on a GPU.
/// </summary>
public delegate void EmulatedKernel(EmulatedLaunch launch);
