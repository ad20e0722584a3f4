namespace Orion.Server.Core.Backend;

// Opaque backend handles. For the CUDA driver backend they hold the driver's CUstream, CUevent,
// CUmodule and CUfunction; the emulated device numbers its own objects. Typed wrappers keep a
// stream from being passed where an event is expected. They never travel on the wire: the protocol
// uses client-chosen handles that the session maps onto these.

/// <summary>A stream of one context. <see cref="Null"/> (0) is the context's legacy default stream.</summary>
public readonly record struct GpuStreamHandle(nint Value)
{
    public static GpuStreamHandle Null => default;

    public bool IsNull => Value == 0;
}

/// <summary>An event of one context.</summary>
public readonly record struct GpuEventHandle(nint Value);

/// <summary>A loaded module of one context.</summary>
public readonly record struct GpuModuleHandle(nint Value);

/// <summary>A function (kernel) of a loaded module.</summary>
public readonly record struct GpuFunctionHandle(nint Value);
