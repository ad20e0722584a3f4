namespace Orion.Cuda.Remote.Client;

/// <summary>
/// Queued calls (launches, asynchronous copies, event records) leave as soon as a sender thread is
/// free, not at the next call that waits: the server's GPU starts on a launch while the program is
/// still preparing the next one, as a local GPU does. Whatever accumulates while a write is under
/// way goes in the next one, so a burst of launches still travels in few messages, and the
/// program's thread pays only a wake-up of the sender, never a write. Without it a decode-style
/// loop (a few small kernels, then one read) ran every step's kernels only after its read arrived.
/// </summary>
public sealed partial class RemoteCudaClient
{
    // The event's default spinning only: a longer spin (2047) measured no better on the GPU host and
    // burns a core of the program's machine.
    private readonly ManualResetEventSlim _sendSignal = new(false);
    private int _sendRequested;
    private Thread? _sender;

    private void StartSender(RemoteCudaClientOptions options)
    {
        if (!options.SendQueuedCallsEagerly)
        {
            return;
        }
        _sender = new Thread(SendLoop) { IsBackground = true, Name = "orion-client-sender" };
        _sender.Start();
    }

    /// <summary>Asks the sender to write what is queued; wakes it only if it is not already asked.</summary>
    private void RequestSend()
    {
        if (_sender is not null && Interlocked.Exchange(ref _sendRequested, 1) == 0)
        {
            _sendSignal.Set();
        }
    }

    private void StopSender()
    {
        _sendSignal.Set(); // the loop sees _disposed and ends
    }

    private void SendLoop()
    {
        try
        {
            while (true)
            {
                _sendSignal.Wait();
                _sendSignal.Reset();
                if (Volatile.Read(ref _disposed) != 0 || _failure is not null)
                {
                    return;
                }
                // Cleared before reading how far the batch goes: a record queued after this point
                // asks again and is taken by the next round.
                Interlocked.Exchange(ref _sendRequested, 0);
                Flush(Interlocked.Read(ref _appendedRecords));
            }
        }
        catch (Exception ex)
        {
            // A library in someone else's process never lets an exception escape its own thread.
            Fail("the client's sender stopped: " + ex.Message);
        }
    }
}
