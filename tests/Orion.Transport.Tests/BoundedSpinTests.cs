namespace Orion.Transport.Tests;

public sealed class BoundedSpinTests
{
    [Fact]
    public void Stops_looking_as_soon_as_the_condition_holds()
    {
        var looks = 0;
        Assert.True(BoundedSpin.Until(_ => ++looks == 3, 0, BoundedSpin.Ticks(TimeSpan.FromSeconds(30))));
        Assert.Equal(3, looks);
    }

    [Fact]
    public void Gives_up_when_its_time_is_over()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var time = BoundedSpin.Ticks(TimeSpan.FromMilliseconds(20));
        Assert.False(BoundedSpin.Until(static _ => false, 0, time));
        Assert.True(System.Diagnostics.Stopwatch.GetTimestamp() - started >= time, "gave up before its time");
    }

    [Fact]
    public void With_no_time_it_does_not_look()
    {
        var looked = false;
        Assert.False(BoundedSpin.Until(_ => looked = true, 0, 0));
        Assert.False(looked);
    }
}
