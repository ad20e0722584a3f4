using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

namespace Orion.Cuda.Remote.Client;

/// <summary>How a <see cref="RemoteCudaClient"/> introduces itself and which limits it uses.</summary>
public sealed class RemoteCudaClientOptions
{
    /// <summary>The token the server expects (<c>ORION_TOKEN</c>); empty when the server needs none.</summary>
    public string AuthToken { get; set; } = "";

    /// <summary>A name for the server's logs, e.g. the program name.</summary>
    public string ClientName { get; set; } = "orion-client";

    /// <summary>
    /// What the session asks of the server's vGPUs (<c>ORION_VGPU_MEMORY</c>, <c>ORION_VGPU_SHARE</c>,
    /// <c>ORION_VGPU_DEVICE</c> for the client library): the server places it on the smallest free vGPU with at least
    /// this memory and compute share, or refuses it (<see cref="HandshakeStatus.NoCapacity"/>) saying what is free.
    /// <see cref="VGpuRequest.None"/> (the default) takes the server's default placement.
    /// </summary>
    public VGpuRequest VGpu { get; set; } = VGpuRequest.None;

    /// <summary>Transport limits for the connection (this instance's own: changing it changes no other client's).
    /// Its <see cref="TransportOptions.ConnectTimeout"/> is replaced by <see cref="ConnectTimeout"/>.</summary>
    public TransportOptions TransportOptions { get; set; } = new();

    /// <summary>
    /// How long opening the connection may take (TCP connect, RDMA setup) before <c>ConnectAsync</c> fails with
    /// <see cref="ServerUnreachableException"/>; applies to the server and to a redirect's worker. Default 10 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = DefaultConnectTimeout;

    /// <summary>
    /// How long the handshake may take once connected (the hello sent, the server's welcome received) before
    /// <c>ConnectAsync</c> fails with <see cref="ServerUnreachableException"/>: a service that accepts the
    /// connection and then says nothing (or is not an Orion server) is reported within this time, not after the
    /// transport's idle timeout. Applies to the server and to a redirect's worker. Default 10 s.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = DefaultHandshakeTimeout;

    /// <summary>The default <see cref="ConnectTimeout"/>: 10 s.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default <see cref="HandshakeTimeout"/>: 10 s.</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The protocol version to offer; only tests change it (to see a mismatch refused).</summary>
    public ushort ProtocolVersion { get; set; } = ProtocolLimits.Version;

    /// <summary>
    /// Counts every call by kind and times those that wait for the server's reply
    /// (<see cref="RemoteCudaClient.CallProfileReport"/>): what bounds a program through Orion.
    /// </summary>
    public bool ProfileCalls { get; set; }

    /// <summary>
    /// Queued calls are written by a sender thread as soon as it is free (the default), so the
    /// server's GPU starts on them while the program prepares the next; false holds them until a
    /// call waits or the batch fills (fewer, larger messages; the GPU idles meanwhile).
    /// </summary>
    public bool SendQueuedCallsEagerly { get; set; } = true;

    /// <summary>
    /// How long a call that waits for its reply spins before it sleeps (CUDA's synchronizing calls
    /// spin too, by default): a reply that comes within it is seen at once instead of after a
    /// thread wake-up. Zero sleeps at once, for a program that must not keep a core busy.
    /// </summary>
    public TimeSpan ReplySpinTime { get; set; } = TimeSpan.FromMicroseconds(200);

    /// <summary>
    /// Whether bulk chunks (copies above 16 KiB, module images) travel LZ4-compressed, both ways (<c>ORION_COMPRESSION</c> for
    /// the client library): <see cref="ChunkCompression.Off"/> (the default), <see cref="ChunkCompression.On"/> (every chunk
    /// that shrinks) or <see cref="ChunkCompression.Auto"/> (each sender compresses where a sample of the chunk compresses
    /// well and the measured link is slow enough for it to pay; on loopback it stays off). A server that refuses compression
    /// answers with plain chunks.
    /// </summary>
    public ChunkCompression Compression { get; set; } = ChunkCompression.Off;

    /// <summary>Pending asynchronous records are written once they reach this many bytes, even without a synchronizing call.</summary>
    public int MaxBatchBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Receives what the GPU's kernels print (device <c>printf</c>, <c>assert</c> messages), when the server can
    /// tell it apart (sessions in worker processes). Called on the client's receive thread, before the reply of
    /// the synchronizing call during which the device printed it; it must not block. Null (the default) leaves
    /// device output on the server.
    /// </summary>
    public DeviceOutputHandler? DeviceOutput { get; set; }
}

/// <summary>Receives a piece of device output, bound for <paramref name="target"/>.</summary>
public delegate void DeviceOutputHandler(DeviceOutputTarget target, ReadOnlySpan<byte> text);
