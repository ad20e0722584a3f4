namespace Orion.Transport.Rdma.Verbs;

/// <summary>What a completion reports; values equal rdma-core's <c>IBV_WC_*</c> opcodes.</summary>
internal enum CompletionOpcode : uint
{
    Send = 0,
    RdmaWrite = 1,
    Receive = 128,
    ReceiveRdmaWithImmediate = 129,
}
