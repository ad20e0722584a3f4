namespace Orion.Server.Core.Backend;

/// <summary>
/// Where one kernel parameter lives in the packed parameter buffer, as <c>cuFuncGetParamInfo</c>
/// reports it. The client packs <c>void** args</c> by these offsets and sizes.
/// </summary>
public readonly record struct KernelParameter(uint Offset, uint Size);
