using System.Runtime.InteropServices;
using System.Text;

namespace Orion.Cli;

/// <summary>
/// A write-only stream over one of the process's standard file descriptors that calls <c>write</c> and nothing else.
/// orion writes through it rather than through <see cref="Console"/>: the console, writing to a terminal, first
/// switches the terminal's keypad into application mode and switches it back only when the runtime exits, which a
/// process replaced by <c>execve</c> never does; and a <see cref="FileStream"/> over a regular file writes at offsets of
/// its own, where a program that shares the descriptor (<c>orion run ... &gt; log 2&gt;&amp;1</c>) would overwrite orion's line.
/// </summary>
internal sealed partial class StandardStream : Stream
{
    private const int EINTR = 4;
    private const int EAGAIN = 11;
    private const int EPIPE = 32;

    private readonly int _descriptor;
    private bool _closedByReader;

    public StandardStream(int descriptor) => _descriptor = descriptor;

    /// <summary>A text writer over <paramref name="descriptor"/> (1 or 2): UTF-8 without a byte order mark, flushed at each write.</summary>
    public static TextWriter OpenWriter(int descriptor) =>
        new StreamWriter(new StandardStream(descriptor), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        if (_closedByReader)
        {
            return;
        }
        fixed (byte* start = buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                var result = WriteNative(_descriptor, start + written, (nuint)(buffer.Length - written));
                if (result >= 0)
                {
                    written += (int)result;
                    continue;
                }
                var error = Marshal.GetLastPInvokeError();
                if (error is EINTR or EAGAIN)
                {
                    continue;
                }
                if (error == EPIPE)
                {
                    // The reader has gone (orion smi | head -1): the rest is dropped, as a program killed by SIGPIPE would drop it.
                    _closedByReader = true;
                    return;
                }
                throw new IOException($"cannot write to file descriptor {_descriptor}: {Marshal.GetPInvokeErrorMessage(error)}");
            }
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteNative(int descriptor, byte* buffer, nuint count);
}
