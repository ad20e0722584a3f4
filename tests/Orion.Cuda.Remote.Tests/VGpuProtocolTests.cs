using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Tests;

/// <summary>Protocol version 4's handshake additions: the hello's vGPU request and the welcome's vGPU.</summary>
public sealed class VGpuProtocolTests
{
    private static byte[] Encode(ClientHello hello)
    {
        using var writer = new ProtocolWriter(256);
        hello.Encode(writer);
        return writer.WrittenSpan.ToArray();
    }

    [Fact]
    public void A_hello_carries_its_vGPU_request_and_a_hello_without_one_has_version_2s_layout()
    {
        var asking = new ClientHello(ProtocolLimits.Version, ProtocolFeatures.None, "t", "c") { VGpu = new VGpuRequest(24UL << 30, 30, 1) };
        var plain = new ClientHello(ProtocolLimits.Version, ProtocolFeatures.None, "t", "c");

        Assert.Equal(asking, ClientHello.Decode(Encode(asking)));
        Assert.Equal(plain, ClientHello.Decode(Encode(plain)));
        Assert.Equal(Encode(plain).Length + VGpuRequest.EncodedBytes, Encode(asking).Length);
        Assert.Equal(Encode(plain with { Version = 2 })[6..], Encode(plain)[6..]); // only the version differs from a v2 hello
        Assert.Equal(new VGpuRequest(0, 0, null), ClientHello.Decode(Encode(new ClientHello(ProtocolLimits.Version, 0, "", "") { VGpu = new VGpuRequest(Device: null) })).VGpu);
    }

    [Fact]
    public void A_hello_of_another_version_decodes_for_a_clear_refusal_whatever_follows_its_name()
    {
        const ushort next = ProtocolLimits.Version + 1;
        byte[] future = [.. Encode(new ClientHello(next, ProtocolFeatures.None, "t", "c")), 1, 2, 3, 4, 5];
        var hello = ClientHello.Decode(future);
        Assert.Equal(next, hello.Version);
        Assert.True(hello.VGpu.IsEmpty);
        // Of this version, trailing bytes are still malformed.
        Assert.Throws<ProtocolException>(() => ClientHello.Decode([.. Encode(new ClientHello(ProtocolLimits.Version, 0, "", "")), 1]));
    }

    [Theory]
    [InlineData(101, 0)]
    [InlineData(50, 64)]
    public void An_impossible_request_is_malformed(int share, int device)
    {
        var bytes = Encode(new ClientHello(ProtocolLimits.Version, 0, "", "") { VGpu = new VGpuRequest(1, 1, 0) });
        bytes[^3] = (byte)share;
        bytes[^2] = (byte)device;
        Assert.Throws<ProtocolException>(() => ClientHello.Decode(bytes));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VGpuRequest(0, share, device == 0 ? null : device).Validate());
    }

    [Fact]
    public void An_accepted_welcome_carries_the_vGPU_and_a_refusal_none()
    {
        var welcome = new ServerWelcome(HandshakeStatus.Accepted, ProtocolLimits.Version, ProtocolFeatures.None, "", 7, "d", 1 << 20, 13000, [])
        {
            VGpu = new VGpuAssignment(2, 3, 24UL << 30, 30),
        };
        using var writer = new ProtocolWriter();
        welcome.Encode(writer);
        Assert.Equal(welcome.VGpu, ServerWelcome.Decode(writer.WrittenSpan).VGpu);
        Assert.Equal("vGPU 3 of device 2 (24 GiB, 30% compute share)", welcome.VGpu.ToString());

        writer.Clear();
        ServerWelcome.Refuse(HandshakeStatus.NoCapacity, "no vGPU free").Encode(writer);
        var refusal = ServerWelcome.Decode(writer.WrittenSpan);
        Assert.Equal((HandshakeStatus.NoCapacity, "no vGPU free", null), (refusal.Status, refusal.Message, refusal.VGpu));
    }

    [Fact]
    public void A_request_describes_itself_for_messages()
    {
        Assert.Equal("24 GiB and a 30% compute share on device 1", new VGpuRequest(24UL << 30, 30, 1).Describe());
        Assert.Equal("1.5 GiB", new VGpuRequest(3UL << 29).Describe());
        Assert.Equal("any size", VGpuRequest.None.Describe());
    }
}
