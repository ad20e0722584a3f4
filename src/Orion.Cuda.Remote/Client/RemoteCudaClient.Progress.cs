namespace Orion.Cuda.Remote.Client;

// Event and stream queries that see the client's own outstanding work. An asynchronous device-to-host copy
// is complete only once its data has landed in this process; until then the server's session is busy
// with it (it waits for the GPU, then sends), so a query sent meanwhile would wait behind the copy and
// then answer "complete": a program that polls an event to overlap host work with the GPU (CUDA's
// asyncAPI pattern) would count no iterations. A query whose answer must be "not ready" because such a
// copy ordered before it has not landed is therefore answered here, without a round trip; any other
// query asks the server, which reports the GPU's real progress.
public sealed partial class RemoteCudaClient
{
    /// <summary>Asynchronous device-to-host copies issued, counted before their record enters the batch.</summary>
    private long _downloadsIssued;

    /// <summary>Asynchronous device-to-host copies whose data has landed (they land in the order they were issued).</summary>
    private long _downloadsLanded;

    /// <summary>
    /// For an event recorded while downloads were outstanding: how many had been issued by then. The event
    /// cannot be complete before that many have landed. Entries at or below <see cref="_downloadsLanded"/>
    /// are stale and harmless (the query then asks the server).
    /// </summary>
    private readonly Dictionary<ulong, long> _eventDownloadMarks = [];

    private readonly Lock _eventMarkGate = new();

    /// <summary>Makes <paramref name="call"/> an asynchronous download: nobody waits for it; the receive loop lands its data and recycles it.</summary>
    private void Detach(PendingCall call)
    {
        call.Detached = true;
        Interlocked.Increment(ref _downloadsIssued);
    }

    /// <summary>A detached download's data is in place (called by the receive loop, in the order downloads were issued).</summary>
    private void DownloadLanded() => Interlocked.Increment(ref _downloadsLanded);

    private bool DownloadsOutstanding => Volatile.Read(ref _downloadsLanded) < Volatile.Read(ref _downloadsIssued);

    /// <summary>
    /// After an event's record entered the batch: remembers the downloads it must wait for. Read after the
    /// record was appended, so every download ordered before it is counted (one racing in from another
    /// thread may be counted too, which only delays the answer "complete" until it lands).
    /// </summary>
    private void MarkEventRecorded(ulong gpuEvent)
    {
        var issued = Volatile.Read(ref _downloadsIssued);
        if (issued <= Volatile.Read(ref _downloadsLanded))
        {
            return;
        }
        lock (_eventMarkGate)
        {
            _eventDownloadMarks[gpuEvent] = issued;
        }
    }

    private void ForgetEventMark(ulong gpuEvent)
    {
        lock (_eventMarkGate)
        {
            _eventDownloadMarks.Remove(gpuEvent);
        }
    }

    /// <summary>True when the event was recorded after a download that has not landed yet: it is certainly not complete.</summary>
    private bool EventWaitsForDownload(ulong gpuEvent)
    {
        if (!DownloadsOutstanding)
        {
            return false;
        }
        long mark;
        lock (_eventMarkGate)
        {
            if (!_eventDownloadMarks.TryGetValue(gpuEvent, out mark))
            {
                return false;
            }
        }
        return mark > Volatile.Read(ref _downloadsLanded);
    }

    /// <summary>
    /// A stream is not idle while any download is outstanding (conservative across streams: the answer
    /// "not ready" is never wrong while work the caller ordered has not finished in this process). A
    /// stream that may be capturing asks the server, which knows the capture rules.
    /// </summary>
    private bool StreamWaitsForDownload => DownloadsOutstanding && !MayBeCapturing;
}
