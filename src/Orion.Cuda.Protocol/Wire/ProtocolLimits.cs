namespace Orion.Cuda.Protocol.Wire;

/// <summary>Constants and limits of the protocol; every decoded length or count is checked against these before allocation.</summary>
public static class ProtocolLimits
{
    /// <summary>"ORN1" little-endian: the first four bytes of both handshake messages.</summary>
    public const uint Magic = 0x314E524F;

    /// <summary>The protocol version this build speaks (4: the hello's vGPU request and the welcome's vGPU; copies of
    /// 16 KiB or less inside their records; 5: negotiated LZ4-compressed chunks, the server's vGPUs and sessions (calls 115 and 116); docs/protocol.md).</summary>
    public const ushort Version = 5;

    /// <summary>Most vGPUs one device may be divided into (each has at least a 1% compute share).</summary>
    public const int MaxVGpusPerDevice = 100;

    /// <summary>Most entries a <c>GetServerVGpus</c> reply holds: every vGPU of every device, and one entry per undivided device.</summary>
    public const int MaxServerVGpuEntries = MaxDevices * (MaxVGpusPerDevice + 1);

    /// <summary>Most sessions a <c>GetServerSessions</c> reply lists; its count says how many there are in all.</summary>
    public const int MaxListedSessions = 4096;

    /// <summary>
    /// Device-to-host data up to this size travels inside its reply, not as bulk after it: one frame
    /// instead of two, so a small read (a loss, a flag, <c>.item()</c>) costs the client one wake-up.
    /// Below <see cref="MinChunkBytes"/>, so such data is always a single chunk.
    /// </summary>
    public const int MaxInlineDataBytes = 16 * 1024;

    /// <summary>Longest auth token, client name, server description or error text (UTF-8 bytes).</summary>
    public const int MaxTextBytes = 1024;

    /// <summary>Longest kernel or global name (UTF-8 bytes); mangled C++ names can be long.</summary>
    public const int MaxSymbolBytes = 4096;

    /// <summary>A module's kernel names, one per line (a cuFFT module holds hundreds of long mangled names).</summary>
    public const int MaxFunctionNameListBytes = 4 * 1024 * 1024;

    /// <summary>Largest text of one device-output record; more is sent as several records.</summary>
    public const int MaxDeviceOutputRecordBytes = 64 * 1024;

    /// <summary>Most devices a server describes in its welcome.</summary>
    public const int MaxDevices = 64;

    /// <summary>Most <c>CUdevice_attribute</c> slots per device.</summary>
    public const int MaxDeviceAttributes = 1024;

    /// <summary>Largest module image (fatbin, cubin or PTX).</summary>
    public const long MaxModuleImageBytes = 512L * 1024 * 1024;

    /// <summary>Largest packed kernel parameter buffer (CUDA allows 32764 bytes).</summary>
    public const int MaxKernelParameterBytes = 32 * 1024;

    /// <summary>Most parameters a function layout may report.</summary>
    public const int MaxKernelParameters = 4096;

    /// <summary>Most nodes one graph node may depend on, edges one <c>AddGraphDependencies</c> adds, and dependencies one capture reports.</summary>
    public const int MaxGraphNodeDependencies = 4096;

    /// <summary>Most nodes one <c>GetGraphNodes</c> reply lists; a larger graph is read in pages.</summary>
    public const int MaxGraphNodesPerReply = 16384;

    /// <summary>Largest single copy or memset; larger requests are split by the client.</summary>
    public const ulong MaxTransferBytes = 1UL << 40;

    /// <summary>Bulk chunk size a server offers when it has no reason to pick another.</summary>
    public const int DefaultChunkBytes = 4 * 1024 * 1024;

    /// <summary>Smallest and largest chunk size a peer may choose.</summary>
    public const int MinChunkBytes = 64 * 1024;

    /// <inheritdoc cref="MinChunkBytes"/>
    public const int MaxChunkBytes = 64 * 1024 * 1024;

    /// <summary>A worker ticket: exactly this many lowercase hex characters (256 random bits), sent as the auth token of the redirected hello.</summary>
    public const int WorkerTicketChars = 64;

    /// <summary>Longest redirect endpoint text (UTF-8 bytes), e.g. <c>tcp://10.0.0.5:40123</c>.</summary>
    public const int MaxEndpointBytes = 256;

    /// <summary>
    /// The first handle a client may choose for a stream, event, module or function. Below it: 0 is the
    /// legacy default stream, 1 and 2 CUDA's legacy and per-thread stream sentinels; the rest is reserved.
    /// </summary>
    public const ulong FirstClientHandle = 16;

    /// <summary>Size of a client record header: opcode u16, reserved u16, request id u32, body length u32.</summary>
    public const int RequestHeaderBytes = 12;

    /// <summary>Size of a server record header: kind u16, reserved u16, request id u32, status i32, async status i32, body length u32.</summary>
    public const int ReplyHeaderBytes = 20;
}
