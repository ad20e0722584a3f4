namespace Orion.Cuda.Protocol;

/// <summary>Where one kernel parameter goes in the packed parameter buffer, as the server read it (<c>cuFuncGetParamInfo</c>).</summary>
public readonly record struct KernelParameterInfo(uint Offset, uint Size);
