using Orion.Server.Core.Authentication;

namespace Orion.Server.Core.Tests.Authentication;

public sealed class AuthTokenComparerTests
{
    [Theory]
    [InlineData("s3cret", "s3cret", true)]
    [InlineData("s3cret", "s3cre", false)] // a prefix
    [InlineData("s3cret", "s3cret!", false)] // longer
    [InlineData("s3cret", "S3cret", false)]
    [InlineData("s3cret", "", false)]
    [InlineData("jéton-ünïcode", "jéton-ünïcode", true)]
    [InlineData("jéton-ünïcode", "jeton-unicode", false)]
    public void Matches_only_the_same_token(string expected, string presented, bool matches)
    {
        Assert.Equal(matches, AuthTokenComparer.Matches(presented, expected));
        Assert.Equal(matches, AuthTokenComparer.Matches(presented, AuthTokenComparer.Digest(expected)));
    }

    [Fact]
    public void A_missing_token_matches_nothing()
    {
        Assert.False(AuthTokenComparer.Matches(null, "s3cret"));
    }

    [Fact]
    public void What_is_compared_has_one_length_whatever_the_tokens_lengths()
    {
        // FixedTimeEquals returns at once on a length difference; digests make every comparison 32 bytes against 32.
        Assert.Equal(32, AuthTokenComparer.Digest("").Length);
        Assert.Equal(32, AuthTokenComparer.Digest("x").Length);
        Assert.Equal(32, AuthTokenComparer.Digest(new string('x', 1024)).Length);
        Assert.False(AuthTokenComparer.Matches(new string('x', 1024), "x"));
        Assert.False(AuthTokenComparer.Matches("x", new string('x', 1024)));
    }

    [Fact]
    public void The_authenticator_keeps_no_token_and_accepts_any_client_without_one()
    {
        var remote = new Orion.Transport.TransportEndpoint("tcp", "192.0.2.1", 5000);
        Assert.Equal(AuthenticationOutcome.Accepted, ClientAuthenticator.Open.Authenticate("anything", remote));
        Assert.False(new ClientAuthenticator("").Required);
        var authenticator = new ClientAuthenticator("s3cret");
        Assert.True(authenticator.Required);
        Assert.Equal(AuthenticationOutcome.Accepted, authenticator.Authenticate("s3cret", remote));
        Assert.Equal(AuthenticationOutcome.Failed, authenticator.Authenticate("guess", remote));
        Assert.Equal(AuthenticationOutcome.Failed, authenticator.Authenticate(null, remote));
    }
}
