namespace Orion.Cuda.Remote.Client;

/// <summary>Where one kernel parameter goes in the packed parameter buffer, as the server read it (<c>cuFuncGetParamInfo</c>).</summary>
public readonly record struct KernelParameterInfo(uint Offset, uint Size);
