using System.Text;
using Orion.Cuda.Client.Native;

namespace Orion.CudartStub.Tests;

public sealed class NativeTextTests
{
    [Fact]
    public void TextThatFitsIsWrittenWithItsTerminatorAndTheRestZeroed()
    {
        var buffer = Enumerable.Repeat((byte)0x5a, 16).ToArray();
        Assert.Equal(4, NativeText.WriteTruncated("H100", buffer));
        Assert.Equal("H100\0"u8.ToArray(), buffer[..5]);
        Assert.All(buffer[5..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void MultiByteTextLongerThanTheBufferIsCutAtAWholeCharacter()
    {
        // 300 two-byte characters from a server, as cudaDeviceProp.name's 256 bytes receive them:
        // counting characters instead of bytes would overflow the buffer.
        var name = new string('é', 300);
        var buffer = new byte[256];
        var written = NativeText.WriteTruncated(name, buffer);
        Assert.Equal(254, written);
        Assert.Equal(0, buffer[254]);
        Assert.Equal(new string('é', 127), Encoding.UTF8.GetString(buffer, 0, written));

        // Odd room: the 2-byte character that would not fit whole is left out.
        var odd = new byte[6];
        Assert.Equal(4, NativeText.WriteTruncated("éééé", odd));
        Assert.Equal("éé", Encoding.UTF8.GetString(odd, 0, 4));
        Assert.Equal(0, odd[4]);
    }

    [Fact]
    public void ABufferOfOneByteGetsOnlyTheTerminator()
    {
        var buffer = new byte[] { 0x5a };
        Assert.Equal(0, NativeText.WriteTruncated("GPU", buffer));
        Assert.Equal(0, buffer[0]);
    }
}
