namespace Orion.Cli;

/// <summary>
/// A failure the user can act on: printed as one line, <c>orion: message</c>, on stderr, and the process exits
/// with <see cref="ExitCode"/>. Anything else that escapes a command is printed the same way with exit code 1.
/// </summary>
internal sealed class CliException : Exception
{
    public CliException()
        : this("failed", ExitCodes.Failure)
    {
    }

    public CliException(string message)
        : this(message, ExitCodes.Failure)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = ExitCodes.Failure;
    }

    public CliException(string message, int exitCode)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }
}
