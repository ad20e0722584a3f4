namespace Orion.Transport.Rdma.Verbs;

/// <summary>Send-queue operations; values equal rdma-core's <c>IBV_WR_*</c> (checked by the shim's C test).</summary>
internal enum WorkRequestOpcode : uint
{
    RdmaWrite = 0,
    RdmaWriteWithImmediate = 1,
    Send = 2,
    SendWithImmediate = 3,
}
