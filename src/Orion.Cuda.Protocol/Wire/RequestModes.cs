namespace Orion.Cuda.Protocol.Wire;

/// <summary>Per-record flags of a client record.</summary>
[Flags]
public enum RequestModes : ushort
{
    None = 0,
    /// <summary>Stream-ordered variant (<c>cuMemcpyAsync</c> and friends): runs on the record's stream.</summary>
    StreamOrdered = 1,
}
