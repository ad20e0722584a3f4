namespace Orion.Transport.Rdma.Verbs;

/// <summary>Values equal rdma-core's <c>IBV_SEND_*</c>.</summary>
[Flags]
internal enum SendFlags : uint
{
    None = 0,
    /// <summary>Produce a completion; unsignalled requests retire with the next signalled one.</summary>
    Signaled = 1 << 1,
    /// <summary>The data is copied at post time; no lkey needed and the buffer is free at once.</summary>
    Inline = 1 << 3,
}
