namespace Orion.Transport.Rdma.Verbs;

/// <summary>A registered memory region: <see cref="LocalKey"/> for local gather/scatter entries,
/// <see cref="RemoteKey"/> for the peer's RDMA writes into it.</summary>
internal readonly record struct MemoryRegion(ulong Handle, nint Address, long Length, uint LocalKey, uint RemoteKey);
