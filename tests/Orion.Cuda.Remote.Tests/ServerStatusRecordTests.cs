using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Tests;

/// <summary>The records of calls 115 and 116 (the server's vGPUs and sessions): their layout, and what a malformed reply is.</summary>
public sealed class ServerStatusRecordTests
{
    private static T RoundTrip<T>(T value, Func<ProtocolReader, T> read, Action<T, ProtocolWriter> write, int wireBytes)
    {
        using var writer = new ProtocolWriter();
        write(value, writer);
        Assert.Equal(wireBytes, writer.WrittenSpan.Length);
        return read(new ProtocolReader(writer.WrittenSpan));
    }

    private static byte[] Bytes(Action<ProtocolWriter> write)
    {
        using var writer = new ProtocolWriter();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }

    [Fact]
    public void A_vGPU_entry_travels_in_21_bytes()
    {
        var entry = new ServerVGpuStatus(3, 7, 24UL << 30, 30, 42);
        Assert.Equal(entry, RoundTrip(entry, reader => ServerVGpuStatus.Read(ref reader), (value, writer) => value.Write(writer), ServerVGpuStatus.WireBytes));
        Assert.Equal(21, ServerVGpuStatus.WireBytes);
        var undivided = new ServerVGpuStatus(1, ServerVGpuStatus.UndividedSlice, 1UL << 30, 0, 0);
        Assert.True(RoundTrip(undivided, reader => ServerVGpuStatus.Read(ref reader), (value, writer) => value.Write(writer), 21).IsUndividedDevice);
    }

    [Theory]
    [InlineData(64, 0, 10)]   // no server has device 64
    [InlineData(0, 100, 10)]  // nor vGPU 100
    [InlineData(0, 0, 101)]   // nor a share over 100%
    public void An_impossible_vGPU_entry_is_a_protocol_error(int device, int slice, int share)
    {
        var bytes = Bytes(writer =>
        {
            writer.WriteUInt16((ushort)device);
            writer.WriteUInt16((ushort)slice);
            writer.WriteUInt64(1);
            writer.WriteByte((byte)share);
            writer.WriteUInt64(0);
        });
        Assert.Throws<ProtocolException>(() =>
        {
            var reader = new ProtocolReader(bytes);
            ServerVGpuStatus.Read(ref reader);
        });
    }

    [Fact]
    public void A_session_entry_carries_a_name_cut_to_its_field()
    {
        var entry = new ServerSessionStatus(9, "/usr/bin/python3 (pid 4242)", 0, 1, 16UL << 20);
        Assert.Equal(entry, RoundTrip(entry, reader => ServerSessionStatus.Read(ref reader), (value, writer) => value.Write(writer), ServerSessionStatus.WireBytes));
        var longName = new string('x', 300);
        var read = RoundTrip(entry with { ClientName = longName, VGpuDevice = ServerSessionStatus.NoVGpu, VGpuSlice = ServerSessionStatus.NoVGpu },
            reader => ServerSessionStatus.Read(ref reader), (value, writer) => value.Write(writer), ServerSessionStatus.WireBytes);
        Assert.Equal(new string('x', ServerSessionStatus.ClientNameBytes - 1), read.ClientName);
        Assert.False(read.HoldsVGpu);
    }

    [Fact]
    public void A_session_name_without_its_NUL_or_half_a_vGPU_is_a_protocol_error()
    {
        var noNul = Bytes(writer =>
        {
            writer.WriteUInt64(1);
            writer.WriteSpan(Enumerable.Repeat((byte)'a', ServerSessionStatus.ClientNameBytes).ToArray());
            writer.WriteUInt16(ServerSessionStatus.NoVGpu);
            writer.WriteUInt16(ServerSessionStatus.NoVGpu);
            writer.WriteUInt64(0);
        });
        var halfVGpu = Bytes(writer => new ServerSessionStatus(1, "a", 0, ServerSessionStatus.NoVGpu, 0).Write(writer));
        foreach (var bytes in new[] { noNul, halfVGpu })
        {
            Assert.Throws<ProtocolException>(() =>
            {
                var reader = new ProtocolReader(bytes);
                ServerSessionStatus.Read(ref reader);
            });
        }
    }
}
