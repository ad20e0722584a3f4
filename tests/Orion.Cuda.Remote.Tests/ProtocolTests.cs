using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Tests;

public sealed class ProtocolTests
{
    [Fact]
    public void Hello_round_trips()
    {
        using var writer = new ProtocolWriter();
        new ClientHello(1, ProtocolFeatures.HostFunctions, "token", "client ☃").Encode(writer);
        var hello = ClientHello.Decode(writer.WrittenSpan);
        Assert.Equal(new ClientHello(1, ProtocolFeatures.HostFunctions, "token", "client ☃"), hello);
    }

    [Fact]
    public void A_client_name_reaches_the_server_without_control_characters()
    {
        // Escape sequences, line breaks and bidirectional overrides in a name would rewrite an operator's terminal
        // or forge log lines; the decoded name keeps every printable character and nothing else.
        var writer = new ProtocolWriter(256);
        new ClientHello(1, ProtocolFeatures.None, "", "job\u001b[2J\r\nFAKE LOG LINE\u202e\u0000 ☃").Encode(writer);

        var hello = ClientHello.Decode(writer.WrittenSpan);

        Assert.Equal("job?[2J??FAKE LOG LINE?? ☃", hello.ClientName);
    }

    [Fact]
    public void Welcome_round_trips_with_devices()
    {
        var device = new RemoteDeviceInfo("GPU", Guid.NewGuid(), 80UL << 30, [0, 1024, 7], "0000:01:00.0", false);
        using var writer = new ProtocolWriter();
        new ServerWelcome(HandshakeStatus.Accepted, 1, ProtocolFeatures.None, "", 7, "desc", 1 << 20, 13000, [device]).Encode(writer);
        var welcome = ServerWelcome.Decode(writer.WrittenSpan);
        var decoded = Assert.Single(welcome.Devices);
        Assert.Equal((device.Name, device.Uuid, device.TotalMemory, device.PciBusId), (decoded.Name, decoded.Uuid, decoded.TotalMemory, decoded.PciBusId));
        Assert.Equal(device.Attributes, decoded.Attributes);
        Assert.Equal((7UL, 1 << 20, 13000), (welcome.SessionId, welcome.ChunkBytes, welcome.DriverVersion));
    }

    [Fact]
    public void A_string_longer_than_its_limit_is_rejected_before_decoding()
    {
        byte[] message = [0xFF, 0xFF, .. new byte[10]];
        var error = Assert.Throws<ProtocolException>(() => new ProtocolReader(message).ReadString(100));
        Assert.Contains("65535", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_past_the_end_is_a_protocol_error_not_a_crash()
    {
        var error = Assert.Throws<ProtocolException>(() => new ProtocolReader([1, 2, 3]).ReadUInt64());
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_welcome_listing_too_many_devices_is_rejected()
    {
        using var writer = new ProtocolWriter();
        ServerWelcome.Refuse(HandshakeStatus.Accepted, "").Encode(writer);
        var bytes = writer.WrittenSpan.ToArray();
        bytes[^3] = 0xFF; // device count u16, before an accepted welcome's vGPU presence byte (0: none)
        bytes[^2] = 0xFF;
        Assert.Throws<ProtocolException>(() => ServerWelcome.Decode(bytes));
    }

    [Fact]
    public void A_hello_with_a_wrong_magic_is_rejected()
    {
        var error = Assert.Throws<ProtocolException>(() => ClientHello.Decode([0, 0, 0, 0, 1, 0]));
        Assert.Contains("magic", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CudaStatus.Success, "CUDA_SUCCESS")]
    [InlineData(CudaStatus.InvalidValue, "CUDA_ERROR_INVALID_VALUE")]
    [InlineData(CudaStatus.OutOfMemory, "CUDA_ERROR_OUT_OF_MEMORY")]
    [InlineData(CudaStatus.IllegalAddress, "CUDA_ERROR_ILLEGAL_ADDRESS")]
    [InlineData(CudaStatus.NoBinaryForGpu, "CUDA_ERROR_NO_BINARY_FOR_GPU")]
    [InlineData((CudaStatus)12345, "CUDA_ERROR_12345")]
    public void Error_names_follow_CUDA(CudaStatus status, string name) => Assert.Equal(name, CudaException.GetErrorName(status));

    [Fact]
    public void Status_values_are_CUDA_driver_values()
    {
        Assert.Equal(1, (int)CudaStatus.InvalidValue);
        Assert.Equal(100, (int)CudaStatus.NoDevice);
        Assert.Equal(200, (int)CudaStatus.InvalidImage);
        Assert.Equal(400, (int)CudaStatus.InvalidHandle);
        Assert.Equal(500, (int)CudaStatus.NotFound);
        Assert.Equal(600, (int)CudaStatus.NotReady);
        Assert.Equal(700, (int)CudaStatus.IllegalAddress);
        Assert.Equal(801, (int)CudaStatus.NotSupported);
        Assert.Equal(999, (int)CudaStatus.Unknown);
    }
}
