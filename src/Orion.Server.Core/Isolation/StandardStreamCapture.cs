using System.Runtime.InteropServices;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Sessions;

namespace Orion.Server.Core.Isolation;

/// <summary>
/// Takes a worker's standard output and error (file descriptors 1 and 2) for device output: once started,
/// what anything in the process writes there, above all the CUDA driver printing a kernel's <c>printf</c> and
/// <c>assert</c> text, lands in pipes this class reads. The worker's own log and endpoint line are not
/// affected: .NET's console streams hold duplicates of the original descriptors, made before the swap.
/// </summary>
/// <remarks>
/// A reader thread empties the pipes as they fill, so a kernel that prints more than a pipe holds never
/// blocks the driver; <see cref="Drain"/> flushes the C library's buffers and reads what is left, so that
/// everything printed before a call returned goes out before that call's reply. What the client has not
/// collected is bounded (<see cref="MaxBufferedBytes"/>); past that, output is dropped and the drop is said.
/// </remarks>
internal sealed class StandardStreamCapture : IDeviceOutputSource, IDisposable
{
    /// <summary>Device output held between drains at most, per stream.</summary>
    public const int MaxBufferedBytes = 4 * 1024 * 1024;

    private static readonly byte[] DroppedNotice = "\n[orion: device output beyond 4 MiB between synchronizations was dropped]\n"u8.ToArray();

    private readonly object _gate = new();
    private readonly Channel[] _channels;
    private Thread? _reader;
    private volatile bool _stopping;

    /// <param name="targets">The descriptors to take, with the stream each one's output belongs to (1 and 2 in a worker; tests pass their own).</param>
    public StandardStreamCapture(params (int Descriptor, DeviceOutputTarget Stream)[] targets)
    {
        _channels = targets.Select(t => new Channel(t.Descriptor, t.Stream)).ToArray();
    }

    /// <summary>The descriptors of a worker process: standard output and standard error.</summary>
    public static StandardStreamCapture ForStandardStreams() =>
        new((1, DeviceOutputTarget.StandardOutput), (2, DeviceOutputTarget.StandardError));

    /// <summary>Whether the descriptors have been taken.</summary>
    public bool IsStarted => _reader is not null;

    /// <summary>Puts a pipe in place of each descriptor and starts reading them.</summary>
    /// <exception cref="IOException">A pipe could not be made or put in place.</exception>
    public void Start()
    {
        lock (_gate)
        {
            if (_reader is not null)
            {
                return;
            }
            _ = StandardStreamInterop.FlushAll(); // what was printed before belongs to no session
            foreach (var channel in _channels)
            {
                channel.Take();
            }
            _reader = new Thread(ReadLoop) { IsBackground = true, Name = "orion-device-output" };
            _reader.Start();
        }
    }

    public void Drain(DeviceOutputSink sink)
    {
        if (_reader is null)
        {
            return;
        }
        // The driver prints through the C library's buffered streams: push them into the pipes first (a stream
        // that cannot be flushed loses nothing: what it holds comes with a later drain).
        _ = StandardStreamInterop.FlushAll();
        lock (_gate)
        {
            foreach (var channel in _channels)
            {
                channel.ReadAvailable();
                channel.HandOver(sink);
            }
        }
    }

    private void ReadLoop()
    {
        var descriptors = _channels.Select(c => c.ReadEnd).ToArray();
        while (!_stopping)
        {
            if (StandardStreamInterop.WaitReadable(descriptors, 200) <= 0)
            {
                continue;
            }
            lock (_gate)
            {
                foreach (var channel in _channels)
                {
                    channel.ReadAvailable();
                }
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _reader?.Join(TimeSpan.FromSeconds(1));
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    /// <summary>One captured descriptor: its pipe and what was read from it but not yet handed over.</summary>
    private sealed class Channel(int descriptor, DeviceOutputTarget stream) : IDisposable
    {
        private readonly byte[] _chunk = new byte[64 * 1024];
        private byte[] _buffered = new byte[4096];
        private int _length;
        private bool _dropped;

        public int ReadEnd { get; private set; } = -1;

        public void Take()
        {
            var (readEnd, writeEnd) = StandardStreamInterop.CreatePipe();
            StandardStreamInterop.Replace(descriptor, writeEnd);
            ReadEnd = readEnd;
        }

        /// <summary>Reads what the pipe holds now, without waiting. Caller holds the capture's lock.</summary>
        public unsafe void ReadAvailable()
        {
            if (ReadEnd < 0)
            {
                return;
            }
            while (true)
            {
                int read;
                fixed (byte* chunk = _chunk)
                {
                    read = StandardStreamInterop.ReadNonBlocking(ReadEnd, chunk, _chunk.Length);
                }
                if (read <= 0)
                {
                    return;
                }
                Append(_chunk.AsSpan(0, read));
            }
        }

        private void Append(ReadOnlySpan<byte> text)
        {
            if (_length + text.Length > MaxBufferedBytes)
            {
                _dropped = true;
                return;
            }
            if (_length + text.Length > _buffered.Length)
            {
                Array.Resize(ref _buffered, Math.Min(MaxBufferedBytes, Math.Max(_buffered.Length * 2, _length + text.Length)));
            }
            text.CopyTo(_buffered.AsSpan(_length));
            _length += text.Length;
        }

        /// <summary>Gives what was read to the sink and forgets it. Caller holds the capture's lock.</summary>
        public void HandOver(DeviceOutputSink sink)
        {
            if (_length > 0)
            {
                sink(stream, _buffered.AsSpan(0, _length));
                _length = 0;
            }
            if (_dropped)
            {
                sink(stream, DroppedNotice);
                _dropped = false;
            }
        }

        public void Dispose()
        {
            if (ReadEnd >= 0)
            {
                _ = StandardStreamInterop.Close(ReadEnd);
                ReadEnd = -1;
            }
        }
    }
}
