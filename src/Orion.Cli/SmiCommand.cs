using Orion.Transport;

namespace Orion.Cli;

/// <summary><c>orion smi</c>: asks each server (<c>--server</c>, else <c>ORION_SERVER</c>) what it offers and prints <see cref="SmiTable"/>.</summary>
internal sealed class SmiCommand
{
    private readonly TextWriter _output;

    public SmiCommand(TextWriter output) => _output = output;

    public async Task<int> RunAsync(string? server, double timeoutSeconds, CancellationToken cancellationToken)
    {
        if (!(timeoutSeconds > 0 && timeoutSeconds <= 600))
        {
            throw new CliException($"--timeout {timeoutSeconds} is not a number of seconds between 0 and 600", ExitCodes.Usage);
        }
        var servers = Servers(server, Environment.GetEnvironmentVariable(RunEnvironment.Server));
        var query = new ServerQuery(TimeSpan.FromSeconds(timeoutSeconds),
            Token(Environment.GetEnvironmentVariable("ORION_TOKEN"), Environment.GetEnvironmentVariable("ORION_TOKEN_FILE")));
        var reports = new List<ServerReport>();
        foreach (var endpoint in servers)
        {
            reports.Add(await query.QueryAsync(endpoint, cancellationToken).ConfigureAwait(false));
        }
        await _output.WriteAsync(SmiTable.Format(reports)).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>
    /// The token, as a program run through Orion finds it: from <c>ORION_TOKEN_FILE</c> (owner-only, read with the
    /// server's rules) or <c>ORION_TOKEN</c>, not both. Errors name the file, never the token.
    /// </summary>
    internal static string? Token(string? token, string? tokenFile)
    {
        if (string.IsNullOrEmpty(tokenFile))
        {
            return token;
        }
        if (!string.IsNullOrEmpty(token))
        {
            throw new CliException("ORION_TOKEN and ORION_TOKEN_FILE are both set; set only one", ExitCodes.Usage);
        }
        return Orion.Cuda.Protocol.Security.AuthTokenFile.TryRead(tokenFile, out var read, out var error)
            ? read
            : throw new CliException(error, ExitCodes.Usage);
    }

    /// <summary>The servers to ask: <paramref name="option"/>, else <paramref name="environmentValue"/> (<c>ORION_SERVER</c>).</summary>
    public static IReadOnlyList<TransportEndpoint> Servers(string? option, string? environmentValue)
    {
        if (option is not null)
        {
            return RunEnvironment.ParseServers(option, "--server");
        }
        if (string.IsNullOrWhiteSpace(environmentValue))
        {
            throw new CliException("no server: give one with --server URL (e.g. tcp://gpu-host:7000) or set ORION_SERVER", ExitCodes.Usage);
        }
        return RunEnvironment.ParseServers(environmentValue, RunEnvironment.Server);
    }
}
