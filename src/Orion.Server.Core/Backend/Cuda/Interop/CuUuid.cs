using System.Runtime.CompilerServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary><c>CUuuid</c>: the 16 raw bytes of a device UUID.</summary>
[InlineArray(16)]
internal struct CuUuid
{
    private byte _element0;
}
