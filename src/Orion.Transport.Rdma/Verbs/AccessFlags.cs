namespace Orion.Transport.Rdma.Verbs;

/// <summary>Memory-region access rights; values equal rdma-core's <c>IBV_ACCESS_*</c>.</summary>
[Flags]
internal enum AccessFlags : uint
{
    None = 0,
    LocalWrite = 1,
    RemoteWrite = 1 << 1,
    RemoteRead = 1 << 2,
}
