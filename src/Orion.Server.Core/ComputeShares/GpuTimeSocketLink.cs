using System.Net.Sockets;

namespace Orion.Server.Core.ComputeShares;

/// <summary>
/// A worker's link to its supervisor's GPU time scheduler (<see cref="GpuTimeSocketServer"/>). A thread of its own reads
/// the supervisor's news and hands it to the session's gate. Should the supervisor go away, the session is no longer
/// held back (its worker is about to be told to stop anyway).
/// </summary>
internal sealed class GpuTimeSocketLink : IGpuTimeLink
{
    private readonly Socket _socket;
    private readonly IGpuTimeHolder _holder;
    private readonly Lock _sendGate = new();
    private readonly byte[] _request = [GpuTimeWire.Request];
    private readonly byte[] _release = [GpuTimeWire.Release];
    private readonly byte[] _requeue = [GpuTimeWire.Requeue];
    private volatile bool _closed;

    private GpuTimeSocketLink(Socket socket, IGpuTimeHolder holder)
    {
        _socket = socket;
        _holder = holder;
        new Thread(ReadNews) { IsBackground = true, Name = "orion-gpu-time" }.Start();
    }

    /// <summary>Connects a new gate to the supervisor's scheduler at <paramref name="socketPath"/>, as the worker of <paramref name="ticket"/>'s session.</summary>
    /// <exception cref="SocketException">The supervisor's socket cannot be reached.</exception>
    public static ComputeShareGate Connect(string socketPath, string ticket)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            socket.Send(GpuTimeWire.KeyOf(ticket));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var gate = new ComputeShareGate();
        gate.Attach(new GpuTimeSocketLink(socket, gate));
        return gate;
    }

    public void Request()
    {
        if (_closed)
        {
            _holder.Granted();
            return;
        }
        Send(_request);
    }

    public void Release() => Send(_release);

    public void Requeue()
    {
        if (_closed)
        {
            _holder.Granted();
            return;
        }
        Send(_requeue);
    }

    private void Send(byte[] command)
    {
        lock (_sendGate)
        {
            try
            {
                _socket.Send(command);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                Close();
            }
        }
    }

    private void ReadNews()
    {
        var news = new byte[64];
        try
        {
            int count;
            while ((count = _socket.Receive(news)) > 0)
            {
                for (var i = 0; i < count; i++)
                {
                    switch (news[i])
                    {
                        case GpuTimeWire.Granted: _holder.Granted(); break;
                        case GpuTimeWire.YieldRequested: _holder.YieldRequested(); break;
                        case GpuTimeWire.Revoked: _holder.Revoked(); break;
                        default: return;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            Close();
        }
    }

    /// <summary>The supervisor is gone: nothing holds the session back any more (a waiting executor is let go at once).</summary>
    private void Close()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        _holder.Granted();
    }

    public void Dispose()
    {
        _closed = true;
        _socket.Dispose();
    }
}
