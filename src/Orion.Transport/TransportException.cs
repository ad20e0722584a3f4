namespace Orion.Transport;

/// <summary>
/// The one exception type a transport surfaces. A connection that failed keeps failing with the
/// same error: the protocol above catches it once per connection, like a pipe's completion.
/// </summary>
public sealed class TransportException : IOException
{
    public TransportException(TransportError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    public TransportException() : this(TransportError.ConnectionAborted, "Transport failure.") { }

    public TransportException(string message) : this(TransportError.ConnectionAborted, message) { }

    public TransportException(string message, Exception innerException) : this(TransportError.ConnectionAborted, message, innerException) { }

    public TransportError Error { get; }
}
