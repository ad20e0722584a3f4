using System.Text;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Isolation;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// The worker's capture of device output, on descriptors of the test's own (a temporary file stands in for
/// standard output): what is written there after <see cref="StandardStreamCapture.Start"/> comes out of
/// <see cref="StandardStreamCapture.Drain"/>, in order, however much, and a bounded amount between drains.
/// </summary>
public sealed partial class StandardStreamCaptureTests : IDisposable
{
    private readonly string _path = Path.GetTempFileName();
    private readonly SafeFileHandle _target;

    public StandardStreamCaptureTests()
    {
        _target = File.OpenHandle(_path, FileMode.Open, FileAccess.Write);
    }

    public void Dispose()
    {
        _target.Dispose();
        File.Delete(_path);
    }

    private int Descriptor => (int)_target.DangerousGetHandle();

    /// <summary>A plain write(2) on the descriptor, as the CUDA driver prints (the descriptor is a pipe once captured).</summary>
    private void WriteToTarget(byte[] text) => Assert.Equal(text.Length, (int)WriteDescriptor(Descriptor, text, (nuint)text.Length));

    [LibraryImport("libc", EntryPoint = "write")]
    private static partial nint WriteDescriptor(int descriptor, byte[] data, nuint count);

    private static string DrainText(StandardStreamCapture capture, out int pieces)
    {
        var text = new StringBuilder();
        var count = 0;
        capture.Drain((target, bytes) =>
        {
            Assert.Equal(DeviceOutputTarget.StandardOutput, target);
            text.Append(Encoding.ASCII.GetString(bytes));
            count++;
        });
        pieces = count;
        return text.ToString();
    }

    [Fact]
    public void Text_written_after_start_is_drained_in_order_and_only_once()
    {
        using var capture = new StandardStreamCapture((Descriptor, DeviceOutputTarget.StandardOutput));
        Assert.Equal("", DrainText(capture, out _)); // not started: nothing, and the descriptor untouched
        capture.Start();
        WriteToTarget("first line\n"u8.ToArray());
        WriteToTarget("second line\n"u8.ToArray());
        Assert.Equal("first line\nsecond line\n", DrainText(capture, out _));
        Assert.Equal("", DrainText(capture, out var none));
        Assert.Equal(0, none);
        Assert.Equal(0, new FileInfo(_path).Length); // nothing reached the file the descriptor was
    }

    [Fact]
    public async Task A_writer_of_more_than_a_pipe_holds_is_never_blocked()
    {
        using var capture = new StandardStreamCapture((Descriptor, DeviceOutputTarget.StandardOutput));
        capture.Start();
        var line = Encoding.ASCII.GetBytes(new string('x', 1023) + "\n");
        // 1 MiB: sixteen times a pipe's default capacity, written with no drain in between.
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < 1024; i++)
            {
                WriteToTarget(line);
            }
        });
        Assert.Same(writer, await Task.WhenAny(writer, Task.Delay(TimeSpan.FromSeconds(30))));
        Assert.Equal(1024 * 1024, DrainText(capture, out _).Length);
    }

    [Fact]
    public void Output_past_the_bound_between_drains_is_dropped_and_the_drop_is_said()
    {
        using var capture = new StandardStreamCapture((Descriptor, DeviceOutputTarget.StandardOutput));
        capture.Start();
        var block = new byte[64 * 1024];
        Array.Fill(block, (byte)'y');
        var written = 0;
        while (written <= StandardStreamCapture.MaxBufferedBytes + block.Length)
        {
            WriteToTarget(block);
            written += block.Length;
        }
        var text = DrainText(capture, out _);
        Assert.EndsWith("device output beyond 4 MiB between synchronizations was dropped]\n", text, StringComparison.Ordinal);
        Assert.True(text.Length <= StandardStreamCapture.MaxBufferedBytes + 200, $"{text.Length} bytes kept");
        // After the drop, capturing goes on.
        WriteToTarget("after\n"u8.ToArray());
        Assert.Equal("after\n", DrainText(capture, out _));
    }
}
