using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// Carries a managed callback through <c>cuLaunchHostFunc</c>, whose callback is a bare C function
/// pointer with one <c>void*</c> of user data: the user data is a GC handle to this object, freed
/// by the trampoline after the one call the driver makes.
/// </summary>
internal sealed unsafe class CudaHostFunction
{
    private readonly Action<ulong> _callback;
    private readonly ulong _marker;

    private CudaHostFunction(Action<ulong> callback, ulong marker)
    {
        _callback = callback;
        _marker = marker;
    }

    /// <summary>The C entry point handed to the driver.</summary>
    public static delegate* unmanaged<nint, void> Trampoline => &Invoke;

    /// <summary>Pins a callback for one driver call; free with <see cref="Release"/> if the launch fails.</summary>
    public static nint Capture(Action<ulong> callback, ulong marker) =>
        GCHandle.ToIntPtr(GCHandle.Alloc(new CudaHostFunction(callback, marker)));

    public static void Release(nint userData) => GCHandle.FromIntPtr(userData).Free();

    [UnmanagedCallersOnly]
    private static void Invoke(nint userData)
    {
        GCHandle handle = GCHandle.FromIntPtr(userData);
        var function = (CudaHostFunction)handle.Target!;
        handle.Free();
        try
        {
            function._callback(function._marker);
        }
#pragma warning disable CA1031 // an exception must not unwind into the driver's thread; the session's callback queues a notification and sends it only if the send lock is free
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
