namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// The peer sent something that is not valid protocol of this version (<see cref="ProtocolLimits.Version"/>;
/// docs/protocol.md): a truncated record, a length or count over its limit, an unknown opcode. The
/// session that received it ends; the message says what was wrong.
/// </summary>
public sealed class ProtocolException : Exception
{
    public ProtocolException(string message) : base(message) { }

    public ProtocolException() : base("Malformed protocol message.") { }

    public ProtocolException(string message, Exception innerException) : base(message, innerException) { }
}
