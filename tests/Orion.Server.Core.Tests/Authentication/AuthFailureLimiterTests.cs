using Orion.Server.Core.Authentication;
using Orion.Transport;

namespace Orion.Server.Core.Tests.Authentication;

/// <summary>Failed authentications limited per address, on a clock the test moves.</summary>
public sealed class AuthFailureLimiterTests
{
    private const string Attacker = "192.0.2.66";
    private const string Bystander = "198.51.100.7";
    private readonly ManualTimeProvider _clock = new();

    private AuthFailureLimiter Create(int maxFailures = 5, int maxTracked = 10_000) => new(new AuthFailureLimits
    {
        MaxFailures = maxFailures,
        Window = TimeSpan.FromMinutes(1),
        Lockout = TimeSpan.FromMinutes(5),
        MaxTrackedAddresses = maxTracked,
    }, _clock);

    private static AuthenticationOutcome Wrong(AuthFailureLimiter limiter, string address) => limiter.Attempt(address, () => false);

    private static AuthenticationOutcome Right(AuthFailureLimiter limiter, string address) => limiter.Attempt(address, () => true);

    [Fact]
    public void The_defaults_are_five_failures_a_minute_then_five_minutes_out()
    {
        var limits = new AuthFailureLimits();
        Assert.Equal(5, limits.MaxFailures);
        Assert.Equal(TimeSpan.FromMinutes(1), limits.Window);
        Assert.Equal(TimeSpan.FromMinutes(5), limits.Lockout);
        Assert.Equal(10_000, limits.MaxTrackedAddresses);
    }

    [Fact]
    public void Five_failures_within_a_minute_lock_the_address_out_and_its_token_is_no_longer_checked()
    {
        var limiter = Create();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(AuthenticationOutcome.Failed, Wrong(limiter, Attacker));
            _clock.Advance(TimeSpan.FromSeconds(10));
        }
        Assert.Equal(AuthenticationOutcome.FailedAndLockedOut, Wrong(limiter, Attacker));

        var checkedToken = false;
        Assert.Equal(AuthenticationOutcome.LockedOut, limiter.Attempt(Attacker, () => checkedToken = true));
        Assert.False(checkedToken);
        _clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(AuthenticationOutcome.LockedOut, Right(limiter, Attacker)); // even the right token, until the lockout ends
    }

    [Fact]
    public void Another_address_is_unaffected_by_a_locked_out_one()
    {
        var limiter = Create();
        for (var i = 0; i < 5; i++)
        {
            Wrong(limiter, Attacker);
        }
        Assert.Equal(AuthenticationOutcome.LockedOut, Right(limiter, Attacker));
        Assert.Equal(AuthenticationOutcome.Accepted, Right(limiter, Bystander));
        Assert.Equal(AuthenticationOutcome.Failed, Wrong(limiter, Bystander));
        Assert.Equal(AuthenticationOutcome.Accepted, Right(limiter, Bystander));
    }

    [Fact]
    public void The_lockout_ends_after_its_time_and_counting_starts_again()
    {
        var limiter = Create();
        for (var i = 0; i < 5; i++)
        {
            Wrong(limiter, Attacker);
        }
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(AuthenticationOutcome.Failed, Wrong(limiter, Attacker)); // checked again, and counted from 1
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(AuthenticationOutcome.Failed, Wrong(limiter, Attacker));
        }
        Assert.Equal(AuthenticationOutcome.FailedAndLockedOut, Wrong(limiter, Attacker));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(AuthenticationOutcome.Accepted, Right(limiter, Attacker));
        Assert.Equal(0, limiter.TrackedAddresses); // a success forgets the address
    }

    [Fact]
    public void Failures_spread_over_more_than_the_window_do_not_lock_out()
    {
        var limiter = Create();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(AuthenticationOutcome.Failed, Wrong(limiter, Attacker));
            _clock.Advance(TimeSpan.FromSeconds(16)); // four failures a minute
        }
    }

    [Fact]
    public void A_success_resets_the_count()
    {
        var limiter = Create();
        for (var i = 0; i < 4; i++)
        {
            Wrong(limiter, Attacker);
        }
        Assert.Equal(AuthenticationOutcome.Accepted, Right(limiter, Attacker));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(AuthenticationOutcome.Failed, Wrong(limiter, Attacker));
        }
    }

    [Fact]
    public void Concurrent_attempts_from_one_address_check_the_token_at_most_the_allowed_number_of_times()
    {
        var limiter = Create();
        var checks = 0;
        Parallel.For(0, 200, _ => limiter.Attempt(Attacker, () =>
        {
            Interlocked.Increment(ref checks);
            return false;
        }));
        Assert.Equal(5, checks);
    }

    [Fact]
    public void Memory_is_bounded_the_address_failed_longest_ago_is_forgotten_first()
    {
        var limiter = Create(maxTracked: 3);
        Wrong(limiter, "192.0.2.1");
        _clock.Advance(TimeSpan.FromSeconds(1));
        Wrong(limiter, "192.0.2.2");
        _clock.Advance(TimeSpan.FromSeconds(1));
        Wrong(limiter, "192.0.2.3");
        _clock.Advance(TimeSpan.FromSeconds(1));
        Wrong(limiter, "192.0.2.1"); // now the most recent
        Wrong(limiter, "192.0.2.4"); // evicts .2
        Assert.Equal(3, limiter.TrackedAddresses);
        for (var i = 0; i < 10_000; i++)
        {
            Wrong(limiter, $"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}");
        }
        Assert.Equal(3, limiter.TrackedAddresses);
    }

    [Fact]
    public void Zero_failures_turns_the_limit_off()
    {
        var limiter = Create(maxFailures: 0);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(AuthenticationOutcome.Failed, Wrong(limiter, Attacker));
        }
        Assert.Equal(AuthenticationOutcome.Accepted, Right(limiter, Attacker));
        Assert.Equal(0, limiter.TrackedAddresses);
    }

    [Fact]
    public void Nonsense_limits_are_refused()
    {
        Assert.Throws<InvalidOperationException>(() => new AuthFailureLimiter(new AuthFailureLimits { MaxFailures = -1 }));
        Assert.Throws<InvalidOperationException>(() => new AuthFailureLimiter(new AuthFailureLimits { Window = TimeSpan.Zero }));
        Assert.Throws<InvalidOperationException>(() => new AuthFailureLimiter(new AuthFailureLimits { MaxTrackedAddresses = 0 }));
    }

    [Theory]
    [InlineData("tcp", "192.0.2.66", "192.0.2.66")]
    [InlineData("tcp", "::ffff:192.0.2.66", "192.0.2.66")] // a dual-stack socket's view of an IPv4 client
    [InlineData("tcp", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("tcp", "2001:db8:1:2::1", "2001:db8:1:2::/64")] // the same /64: one host's usual share
    [InlineData("tcp", "2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [InlineData("rdma", "Node-7.example", "node-7.example")]
    [InlineData("inproc", "orion-x-client-12", "inproc")]
    public void Addresses_are_counted_per_ipv4_address_and_per_ipv6_64_prefix(string scheme, string host, string key)
    {
        Assert.Equal(key, AuthFailureLimiter.AddressKey(new TransportEndpoint(scheme, host, 1234)));
    }

    [Fact]
    public void The_authenticator_locks_out_through_its_limiter_with_the_same_outcome_for_every_refusal_kind()
    {
        var limiter = Create(maxFailures: 2);
        var authenticator = new ClientAuthenticator("s3cret", limiter);
        var attacker = new TransportEndpoint("tcp", Attacker, 40000);
        var bystander = new TransportEndpoint("tcp", Bystander, 40001);
        Assert.Equal(AuthenticationOutcome.Failed, authenticator.Authenticate("guess1", attacker));
        Assert.Equal(AuthenticationOutcome.FailedAndLockedOut, authenticator.Authenticate("guess2", attacker with { Port = 40002 }));
        Assert.Equal(AuthenticationOutcome.LockedOut, authenticator.Authenticate("s3cret", attacker with { Port = 40003 }));
        Assert.Equal(AuthenticationOutcome.Accepted, authenticator.Authenticate("s3cret", bystander));
    }
}
