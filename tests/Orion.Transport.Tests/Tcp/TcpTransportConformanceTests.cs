using System.Net;
using System.Net.Sockets;
using Orion.Transport.Tcp;
using Orion.Transport.Tests.Conformance;

namespace Orion.Transport.Tests.Tcp;

public sealed class TcpTransportConformanceTests : TransportConformanceTests
{
    protected override ITransport CreateTransport() => new TcpTransport();

    protected override TransportEndpoint CreateListenEndpoint() => new(TcpTransport.Scheme, "127.0.0.1", 0);

    protected override async ValueTask<RawConnection> ConnectRawAsync(ITransport transport, TransportEndpoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(endpoint.Host), endpoint.Port));
        return new SocketRawConnection(socket);
    }

    private sealed class SocketRawConnection(Socket socket) : RawConnection
    {
        public override async ValueTask SendAsync(ReadOnlyMemory<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                bytes = bytes[await socket.SendAsync(bytes)..];
            }
        }

        public override ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
