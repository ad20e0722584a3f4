namespace Orion.Cuda.Remote;

/// <summary>
/// The base of every error the C# SDK raises on its own account: <see cref="ServerUnreachableException"/> (no Orion
/// server answered at the endpoint), <see cref="Client.RemoteSessionRefusedException"/> (one answered and refused the
/// session), <see cref="ConnectionLostException"/> (the session's connection ended) and <see cref="CudaException"/>
/// (a CUDA call failed, with its status). Messages are one line, fit to print as they are
/// (<c>error: &lt;message&gt;</c>); a program that wants one catch for everything Orion may raise catches this and
/// <see cref="Orion.Transport.TransportException"/> (raised by transports used directly).
/// </summary>
public class OrionException : Exception
{
    public OrionException() : base("Orion error.") { }

    public OrionException(string message) : base(OneLine(message)) { }

    public OrionException(string message, Exception? innerException) : base(OneLine(message), innerException) { }

    /// <summary>The message with any line break replaced by a space, so that it prints as one line.</summary>
    internal static string OneLine(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return "Orion error.";
        }
        return message.AsSpan().IndexOfAny('\r', '\n') < 0
            ? message
            : string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
