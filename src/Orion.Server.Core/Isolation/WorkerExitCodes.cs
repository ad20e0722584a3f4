namespace Orion.Server.Core.Isolation;

/// <summary>Exit codes of a worker (the supervisor logs them).</summary>
public static class WorkerExitCodes
{
    /// <summary>The session was served and ended.</summary>
    public const int SessionEnded = 0;

    /// <summary>Bad command line or ticket.</summary>
    public const int BadArguments = 2;

    /// <summary>No device, or the endpoint could not be bound.</summary>
    public const int CannotStart = 4;

    /// <summary>No client presented the ticket within the connect timeout.</summary>
    public const int NoClient = 5;

    /// <summary>The supervisor went away (stdin reached end of file).</summary>
    public const int SupervisorGone = 6;

    /// <summary>The supervisor killed it (as SIGKILL's 128 + 9).</summary>
    public const int Killed = 137;
}
