namespace Orion.Cuda.Remote;

/// <summary>
/// Linear memory one side of a box copy starts at: an address (a host pointer or a device address)
/// of its first byte, <see cref="Pitch"/> bytes from one row to the next and <see cref="Height"/> rows
/// from one slice to the next (read only when more than one slice moves; the pitch only when more than one row does).
/// </summary>
public readonly record struct PitchedMemory(ulong Address, ulong Pitch, ulong Height = 0);
