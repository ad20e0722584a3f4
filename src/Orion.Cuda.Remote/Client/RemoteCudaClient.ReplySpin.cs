namespace Orion.Cuda.Remote.Client;

/// <summary>
/// A caller waiting for a reply first spins a short while, as CUDA's own synchronizing calls spin
/// by default, before it sleeps on the call's event: a round trip over a fast link is over in tens
/// of microseconds, and waking a sleeping thread costs about as much again. The spin yields the core
/// between looks, so on a machine with few cores the receive thread still gets to run.
/// </summary>
public sealed partial class RemoteCudaClient
{
    private readonly long _replySpinTicks;

    private void SpinForReply(PendingCall call)
    {
        if (_replySpinTicks <= 0 || call.Done.IsSet)
        {
            return;
        }
        var until = System.Diagnostics.Stopwatch.GetTimestamp() + _replySpinTicks;
        var spinner = default(SpinWait);
        while (!call.Done.IsSet && System.Diagnostics.Stopwatch.GetTimestamp() < until)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }
}
