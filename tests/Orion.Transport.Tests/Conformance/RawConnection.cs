namespace Orion.Transport.Tests.Conformance;

/// <summary>
/// A connection to a listener that bypasses the transport's own connection class, so a test can put
/// arbitrary bytes on the wire (garbage, oversized or truncated frames). Each transport's test
/// class provides one through <see cref="TransportConformanceTests.ConnectRawAsync"/>.
/// </summary>
public abstract class RawConnection : IAsyncDisposable
{
    /// <summary>Puts <paramref name="bytes"/> on the wire as they are.</summary>
    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> bytes);

    /// <summary>Drops the connection without any closing frame (the server must see a reset or end of stream).</summary>
    public abstract ValueTask DisposeAsync();
}
