using Orion.Transport;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// Ends a session whose send has waited longer than its limit. A client that stops reading fills the
/// connection's buffers, and the session's next send waits for it, holding the session's thread and its device
/// memory; the transport's idle timeout never fires, since it counts only while the server waits for input. The
/// session marks each blocking send (<see cref="Begin"/>, <see cref="End"/>: no allocation); a timer of the
/// session's own aborts the connection once a send is too old, which fails that send and ends the session, and
/// with it everything the session held.
/// </summary>
internal sealed class SendWatch : IDisposable
{
    private readonly TransportConnection _connection;
    private readonly TimeSpan _limit;
    private readonly Timer? _timer;
    private long _sendingSince; // Environment.TickCount64 at the start of the send under way; 0 while none is

    public SendWatch(TransportConnection connection, TimeSpan limit)
    {
        _connection = connection;
        _limit = limit;
        if (limit != Timeout.InfiniteTimeSpan)
        {
            var period = TimeSpan.FromMilliseconds(Math.Clamp(limit.TotalMilliseconds / 4, 10, 1000));
            _timer = new Timer(static state => ((SendWatch)state!).Check(), this, period, period);
        }
    }

    /// <summary>A send that may wait starts.</summary>
    public void Begin() => Volatile.Write(ref _sendingSince, Math.Max(1, Environment.TickCount64));

    /// <summary>It is done (or failed).</summary>
    public void End() => Volatile.Write(ref _sendingSince, 0);

    private void Check()
    {
        var since = Volatile.Read(ref _sendingSince);
        if (since != 0 && Environment.TickCount64 - since > (long)_limit.TotalMilliseconds)
        {
            _connection.Abort($"a send waited more than {_limit.TotalSeconds:0.###} s: the client stopped reading");
        }
    }

    public void Dispose() => _timer?.Dispose();
}
