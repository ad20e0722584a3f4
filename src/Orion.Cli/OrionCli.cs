using System.CommandLine;
using System.CommandLine.Invocation;

namespace Orion.Cli;

/// <summary>
/// The whole of orion between its arguments and its exit code: parses, runs the command, and turns every failure
/// (a usage error, a <see cref="CliException"/>, anything unexpected) into one line on stderr, <c>orion: message</c>,
/// and a non-zero exit code; never a stack trace.
/// </summary>
internal static class OrionCli
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            var tree = new CommandTree(output, error);
            var parse = tree.Parse(args);
            if (parse.Action is ParseErrorAction)
            {
                var command = parse.CommandResult.Command;
                var help = command is RootCommand ? "orion --help" : $"orion {command.Name} --help";
                return Fail(error, $"{string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')))} (see {help})", ExitCodes.Usage);
            }
            return parse.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                // No signal handlers of orion's own: Ctrl+C ends orion at once, and a program orion runs gets its signals as it would.
                ProcessTerminationTimeout = null,
            });
        }
        catch (CliException ex)
        {
            return Fail(error, ex.Message, ex.ExitCode);
        }
#pragma warning disable CA1031 // the top of the program: whatever escapes is one line, never a stack trace
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return Fail(error, ex.Message, ExitCodes.Failure);
        }
    }

    private static int Fail(TextWriter error, string message, int exitCode)
    {
        error.WriteLine("orion: " + string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        error.Flush();
        return exitCode;
    }
}
