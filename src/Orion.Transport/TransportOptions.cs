namespace Orion.Transport;

/// <summary>Limits and timeouts every transport honours. Defaults suit a GPU-call protocol.</summary>
public sealed record TransportOptions
{
    /// <summary>Largest framed message, header excluded. Checked before any buffer is allocated.</summary>
    public int MaxMessageSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest single bulk transfer (<see cref="TransportConnection.SendBulkAsync"/>).</summary>
    public long MaxBulkSize { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>A connection that receives nothing (not even a keepalive) for this long is ended with <see cref="TransportError.Timeout"/>.
    /// <see cref="Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>An otherwise silent connection sends a keepalive this often; must be well below the peer's idle timeout.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a connect attempt may take before it fails with <see cref="TransportError.ConnectFailed"/>.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes a sender may have buffered but unsent before <c>SendAsync</c> waits (backpressure).</summary>
    public int MaxPendingSendBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Kernel socket buffer sizes for stream transports (0 keeps the OS default).</summary>
    public int SocketBufferSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// How long a synchronous receive (<see cref="TransportConnection.Receive"/>) that finds nothing keeps
    /// looking before its thread sleeps, where the transport reads on the caller's thread (TCP). A message
    /// that arrives within it is taken at once, without the thread wake-up that otherwise costs about as
    /// much as the rest of a small call's round trip; the price is a busy core for that long after each
    /// message. Zero sleeps at once. At most 10 ms.
    /// </summary>
    public TimeSpan ReceiveSpinTime { get; init; } = TimeSpan.FromMicroseconds(50);

    /// <summary>TLS settings for <c>tls://</c> endpoints: the server's certificate when listening, what to trust when
    /// connecting. Null: a listener on <c>tls://</c> is refused; a client trusts the system's store and checks the host name.</summary>
    public TransportTlsOptions? Tls { get; init; }

    public static TransportOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for values no transport can honour.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxMessageSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxMessageSize, 1 << 30);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxBulkSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingSendBytes, 4096);
        ArgumentOutOfRangeException.ThrowIfNegative(SocketBufferSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveSpinTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ReceiveSpinTime, TimeSpan.FromMilliseconds(10));
    }
}
