namespace Orion.Server.Core.Authentication;

/// <summary>
/// How failed authentications are limited per remote address (<see cref="OrionServerOptions.AuthFailureLimits"/>):
/// after <see cref="MaxFailures"/> failures within <see cref="Window"/>, that address's hellos are refused for
/// <see cref="Lockout"/> without the token being checked, with the same answer as a wrong token. A success resets the
/// address's count. IPv6 clients are counted per /64 prefix (one host's usual share), IPv4 clients per address.
/// </summary>
public sealed class AuthFailureLimits
{
    /// <summary>Failures within <see cref="Window"/> that lock an address out (default 5); 0 turns the limit off.</summary>
    public int MaxFailures { get; set; } = 5;

    /// <summary>The span in which <see cref="MaxFailures"/> failures lock an address out, counted from its first failure (default 1 minute).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a locked-out address is refused (default 5 minutes).</summary>
    public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most addresses tracked at once (default 10,000); past it the address whose last failure is oldest is forgotten.</summary>
    public int MaxTrackedAddresses { get; set; } = 10_000;

    internal void Validate()
    {
        if (MaxFailures < 0)
        {
            throw new InvalidOperationException($"AuthFailureLimits.MaxFailures must be 0 (off) or more, not {MaxFailures}.");
        }
        if (MaxFailures > 0 && (Window <= TimeSpan.Zero || Lockout <= TimeSpan.Zero || MaxTrackedAddresses <= 0))
        {
            throw new InvalidOperationException("AuthFailureLimits: Window and Lockout must be positive and MaxTrackedAddresses at least 1.");
        }
    }
}
