namespace Orion.Cuda.Remote.Tests;

/// <summary>A tenant that keeps its GPU busy, for the compute share tests (in this process and across worker processes).</summary>
internal static class BusyTenant
{
    /// <summary>
    /// Keeps the GPU busy with 2 ms kernels (the emulated device's <c>busy</c>, in the test kernels and the sample server's),
    /// five per synchronize, until <paramref name="until"/>; returns how many ran.
    /// </summary>
    public static int KeepBusy(Client.RemoteCudaClient client, DateTime until)
    {
        var gpu = new RemoteGpu(client);
        using var module = gpu.LoadModule(TestKernels.ModuleImage);
        var busy = module.GetKernel("busy");
        var kernels = 0;
        while (DateTime.UtcNow < until)
        {
            for (var i = 0; i < 5; i++)
            {
                busy.Launch(1, 1, 2000);
            }
            gpu.Synchronize();
            kernels += 5;
        }
        return kernels;
    }

    /// <summary>Runs a blocking client loop on a thread of its own: on the thread pool, two of them would starve the timers and
    /// continuations the server needs (a 2-core machine starts with two pool threads).</summary>
    public static Task<int> OnOwnThread(Func<int> loop)
    {
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                done.SetResult(loop());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }) { IsBackground = true }.Start();
        return done.Task;
    }
}
