namespace Orion.Server.Core.Backend.Emulated;

/// <summary>A registered emulated kernel: its name, parameter layout and body.</summary>
internal sealed record EmulatedKernelDefinition(string Name, KernelParameterInfo[] Layout, EmulatedKernel Body);
