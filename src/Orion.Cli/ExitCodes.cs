namespace Orion.Cli;

/// <summary>The exit codes orion itself gives (after a successful exec the program's own code is the process's).</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command failed (a server that cannot be reached, say).</summary>
    public const int Failure = 1;

    /// <summary>The command line or the set-up is wrong: an unknown option, no server named, no runtime folder.</summary>
    public const int Usage = 2;

    /// <summary>The program was found but could not be executed (a shell's 126).</summary>
    public const int CannotExecute = 126;

    /// <summary>The program was not found (a shell's 127).</summary>
    public const int NotFound = 127;
}
