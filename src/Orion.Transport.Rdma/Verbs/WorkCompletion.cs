using System.Runtime.InteropServices;

namespace Orion.Transport.Rdma.Verbs;

/// <summary>Mirror of the shim's <c>orion_ibv_wc</c> (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct WorkCompletion
{
    public const uint WithImmediateFlag = 1 << 1;

    public ulong WorkRequestId;
    public CompletionStatus Status;
    public CompletionOpcode Opcode;
    public uint ByteLength;
    /// <summary>Host byte order; valid when <see cref="Flags"/> has <see cref="WithImmediateFlag"/>.</summary>
    public uint ImmediateData;
    public uint Flags;
    public uint VendorError;
}
