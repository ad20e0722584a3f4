namespace Orion.Cuda.Remote.Tests;

/// <summary>Sizes as people write them, one parser for the server's options and the client's settings.</summary>
public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("512K", 512UL << 10)]
    [InlineData("24G", 24UL << 30)]
    [InlineData(" 24g ", 24UL << 30)]
    [InlineData("24GiB", 24UL << 30)]
    [InlineData("2T", 2UL << 40)]
    [InlineData("16777215T", 16777215UL << 40)]
    public void Sizes_are_bytes_or_powers_of_1024(string text, ulong expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("0G")]
    [InlineData("G")]
    [InlineData("iB")]
    [InlineData("24X")]
    [InlineData("-1")]
    [InlineData("1.5G")]
    [InlineData("16777216T")]
    [InlineData(null)]
    public void Anything_else_is_not_a_size(string? text)
    {
        Assert.False(ByteSize.TryParse(text, out _));
    }

    [Theory]
    [InlineData(100UL, "100 bytes")]
    [InlineData(1UL << 20, "1 MiB")]
    [InlineData(24UL << 30, "24 GiB")]
    [InlineData((24UL << 30) - (1UL << 28), "23.75 GiB")]
    [InlineData(((1UL << 30) / 3), "341.33 MiB")]
    public void Sizes_read_back_in_the_largest_whole_unit(ulong bytes, string expected)
    {
        Assert.Equal(expected, ByteSize.Format(bytes));
    }
}
