using Orion.Transport.Rdma.Software;
using Orion.Transport.Tests.Conformance;

namespace Orion.Transport.Rdma.Tests;

/// <summary>The shared transport conformance suite, run over the RDMA transport on the software verbs provider.</summary>
public sealed class SoftwareRdmaConformanceTests : TransportConformanceTests
{
    /// <summary>Pools sized so that 100 concurrent connections (200 ends) stay near 100 MiB, with
    /// enough slots and receives that credits cycle constantly in the large tests.</summary>
    internal static readonly RdmaTransportSettings Settings = new()
    {
        ReceiveBufferCount = 32,
        ReceiveBufferSize = 4096,
        SendBufferCount = 32,
        SlotCount = 4,
        SlotSize = 64 * 1024,
    };

    protected override ITransport CreateTransport() => RdmaTransport.CreateSoftware(Settings);

    protected override TransportEndpoint CreateListenEndpoint() => new(RdmaTransport.SoftwareScheme, "localhost", 0);

    protected override ValueTask<RawConnection> ConnectRawAsync(ITransport transport, TransportEndpoint endpoint)
        => ValueTask.FromResult<RawConnection>(SoftwareRawConnection.Connect((SoftwareVerbsProvider)((RdmaTransport)transport).Provider, endpoint));

    protected override byte[] GarbageBytes() => [0x7F, 0, 0, 0, 0, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4];

    protected override byte[] OversizedMessageHeader(TransportOptions serverOptions)
        => SoftwareRawConnection.Frame(RdmaFrameKind.MessageStart, serverOptions.MaxMessageSize + 1L);

    protected override byte[] OversizedBulkHeader(TransportOptions serverOptions)
        => SoftwareRawConnection.Frame(RdmaFrameKind.BulkStart, serverOptions.MaxBulkSize + 1);

    /// <summary>A large message is announced, then the peer vanishes before writing any of it.</summary>
    protected override byte[] TruncatedMessage() => SoftwareRawConnection.Frame(RdmaFrameKind.MessageStart, 1000);

    /// <summary>A bulk transfer is announced, then the peer vanishes before writing any of it.</summary>
    protected override byte[] TruncatedBulk(int announced) => SoftwareRawConnection.Frame(RdmaFrameKind.BulkStart, announced);
}
