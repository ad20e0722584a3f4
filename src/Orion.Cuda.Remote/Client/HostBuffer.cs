namespace Orion.Cuda.Remote.Client;

/// <summary>
/// Host memory of this process that a call's bulk data comes from or lands in: an address the caller
/// keeps valid for the call, and for 2D transfers the distance between its rows (0: rows are packed).
/// </summary>
public readonly record struct HostBuffer(nint Address, ulong Pitch = 0);
