using System.Runtime.CompilerServices;

// The GPU smoke program and the unit tests drive the driver bindings directly (internal by design:
// the public surface is IGpuBackend). Declared here so the CUDA backend folder stays self-contained.
[assembly: InternalsVisibleTo("Orion.Gpu.Smoke")]
[assembly: InternalsVisibleTo("Orion.Server.Core.Tests")]
