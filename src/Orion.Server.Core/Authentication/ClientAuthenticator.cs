using Microsoft.Extensions.Logging;
using Orion.Transport;

namespace Orion.Server.Core.Authentication;

/// <summary>
/// Checks the token of a client's hello, the same way wherever a hello is answered (a session in context isolation,
/// the supervisor in process isolation, a worker with its ticket): the expected token is kept only as its digest,
/// compared in constant time (<see cref="AuthTokenComparer"/>), and, with a <see cref="AuthFailureLimiter"/>, an address
/// that fails too often is locked out. Never logs a token.
/// </summary>
internal sealed class ClientAuthenticator
{
    /// <summary>The text every refused client gets, whether its token was wrong or its address is locked out: the answer
    /// tells an attacker nothing about which.</summary>
    public const string FailureReason = "authentication failed: wrong or missing auth token";

    /// <summary>Added to the server's log line (never to the answer) when a hello is refused because its address is locked out.</summary>
    public const string LockedOutLogNote = " (address locked out after repeated failures; token not checked)";

    private readonly byte[]? _expectedDigest;
    private readonly AuthFailureLimiter? _limiter;
    private readonly ILogger? _logger;

    /// <param name="token">The token clients must present; null or empty accepts every client.</param>
    /// <param name="limiter">Limits failures per address; null for none (a worker's ticket is one-time and 256 bits).</param>
    /// <param name="logger">Where a lockout is reported.</param>
    public ClientAuthenticator(string? token, AuthFailureLimiter? limiter = null, ILogger? logger = null)
    {
        _expectedDigest = string.IsNullOrEmpty(token) ? null : AuthTokenComparer.Digest(token);
        _limiter = limiter;
        _logger = logger;
    }

    /// <summary>Accepts every client.</summary>
    public static ClientAuthenticator Open { get; } = new(null);

    /// <summary>True when clients must present a token.</summary>
    public bool Required => _expectedDigest is not null;

    /// <summary>Checks <paramref name="presented"/>, the token of a hello from <paramref name="remote"/>.</summary>
    public AuthenticationOutcome Authenticate(string? presented, TransportEndpoint remote)
    {
        if (_expectedDigest is null)
        {
            return AuthenticationOutcome.Accepted;
        }
        if (_limiter is null)
        {
            return AuthTokenComparer.Matches(presented, _expectedDigest) ? AuthenticationOutcome.Accepted : AuthenticationOutcome.Failed;
        }
        var address = AuthFailureLimiter.AddressKey(remote);
        var outcome = _limiter.Attempt(address, () => AuthTokenComparer.Matches(presented, _expectedDigest));
        if (outcome == AuthenticationOutcome.FailedAndLockedOut && _logger is not null)
        {
            AuthenticationLog.LockedOut(_logger, address, _limiter.MaxFailures, _limiter.Lockout.TotalSeconds);
        }
        return outcome;
    }
}

internal static partial class AuthenticationLog
{
    [LoggerMessage(40, LogLevel.Warning, "Authentication: {Address} failed {Failures} times; its hellos are refused for {Seconds} s without checking the token")]
    public static partial void LockedOut(ILogger logger, string address, int failures, double seconds);

    [LoggerMessage(41, LogLevel.Warning, "Listening on {Endpoint} without authentication (AllowUnauthenticated): any client that reaches it may use the GPUs")]
    public static partial void ListeningOpen(ILogger logger, string endpoint);

    [LoggerMessage(47, LogLevel.Warning, "Listening on {Endpoint} without TLS (AllowUnencrypted): the token and every session's data cross the network in clear")]
    public static partial void ListeningUnencrypted(ILogger logger, string endpoint);
}
