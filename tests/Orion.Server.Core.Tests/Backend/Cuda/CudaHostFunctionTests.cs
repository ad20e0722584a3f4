using System.Runtime.CompilerServices;
using Orion.Server.Core.Backend.Cuda;

namespace Orion.Server.Core.Tests.Backend.Cuda;

/// <summary>
/// The trampoline is what the driver calls from its own thread for cuLaunchHostFunc; here it is
/// called through the same unmanaged function pointer, as the driver would.
/// </summary>
public unsafe class CudaHostFunctionTests
{
    [Fact]
    public void Trampoline_invokes_the_callback_with_its_marker()
    {
        ulong seen = 0;
        nint userData = CudaHostFunction.Capture(marker => seen = marker, 0xFEED_F00D_0000_0001);

        CudaHostFunction.Trampoline(userData);

        Assert.Equal(0xFEED_F00D_0000_0001UL, seen);
    }

    [Fact]
    public void The_callback_stays_alive_until_the_driver_calls_it_and_is_released_after()
    {
        (nint userData, WeakReference target) = CaptureUnreachableCallback();

        Collect();
        Assert.True(target.IsAlive); // only the GC handle holds it, as while the driver owns it

        CudaHostFunction.Trampoline(userData);
        Collect();
        Assert.False(target.IsAlive);
    }

    [Fact]
    public void A_throwing_callback_does_not_unwind_into_the_caller()
    {
        nint userData = CudaHostFunction.Capture(_ => throw new InvalidOperationException("boom"), 7);

        CudaHostFunction.Trampoline(userData); // must return normally
    }

    [Fact]
    public void Release_frees_a_callback_the_driver_never_called()
    {
        (nint userData, WeakReference target) = CaptureUnreachableCallback();

        CudaHostFunction.Release(userData);
        Collect();

        Assert.False(target.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (nint UserData, WeakReference Target) CaptureUnreachableCallback()
    {
        var box = new StrongBox<ulong>();
        Action<ulong> callback = marker => box.Value = marker;
        return (CudaHostFunction.Capture(callback, 5), new WeakReference(box));
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
