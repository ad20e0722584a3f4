using System.Runtime.InteropServices;

namespace Orion.Server.Core.Isolation;

/// <summary>The few C library calls <see cref="StandardStreamCapture"/> needs: pipes, descriptor swaps, non-blocking reads, flushing stdio.</summary>
internal static unsafe partial class StandardStreamInterop
{
    private const string Libc = "libc";
    private const int OCloexec = 0x80000;  // O_CLOEXEC (Linux)
    private const int ONonBlock = 0x800;   // O_NONBLOCK (Linux)
    private const short PollIn = 0x1;      // POLLIN
    private const int EIntr = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport(Libc, EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* descriptors, int flags);

    [LibraryImport(Libc, EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int from, int to);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int CloseDescriptor(int descriptor);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int descriptor, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollDescriptor* descriptors, nuint count, int timeoutMilliseconds);

    [LibraryImport(Libc, EntryPoint = "fflush")]
    private static partial int Fflush(nint stream);

    /// <summary>A pipe whose read end does not block.</summary>
    public static (int ReadEnd, int WriteEnd) CreatePipe()
    {
        var ends = stackalloc int[2];
        if (Pipe2(ends, OCloexec) != 0)
        {
            throw new IOException($"pipe2 failed (errno {Marshal.GetLastPInvokeError()})");
        }
        // Only the read end is non-blocking: a writer (the driver) waits for the reader thread rather than losing text.
        if (Fcntl.SetNonBlocking(ends[0]) != 0)
        {
            throw new IOException($"fcntl failed (errno {Marshal.GetLastPInvokeError()})");
        }
        return (ends[0], ends[1]);
    }

    /// <summary>Makes <paramref name="target"/> refer to <paramref name="replacement"/>, which is then closed.</summary>
    public static void Replace(int target, int replacement)
    {
        if (Dup2(replacement, target) < 0)
        {
            throw new IOException($"dup2 onto descriptor {target} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        _ = CloseDescriptor(replacement);
    }

    public static bool Close(int descriptor) => CloseDescriptor(descriptor) == 0;

    /// <summary>Bytes read, or 0 when the pipe holds nothing now (or has ended).</summary>
    public static int ReadNonBlocking(int descriptor, byte* buffer, int capacity)
    {
        while (true)
        {
            var read = Read(descriptor, buffer, (nuint)capacity);
            if (read >= 0)
            {
                return (int)read;
            }
            if (Marshal.GetLastPInvokeError() != EIntr)
            {
                return 0; // EAGAIN: nothing there
            }
        }
    }

    /// <summary>Waits until one of the descriptors has data, at most the timeout; the number ready, 0 on timeout.</summary>
    public static int WaitReadable(int[] descriptors, int timeoutMilliseconds)
    {
        var polls = stackalloc PollDescriptor[descriptors.Length];
        for (var i = 0; i < descriptors.Length; i++)
        {
            polls[i] = new PollDescriptor { Descriptor = descriptors[i], Events = PollIn };
        }
        return Poll(polls, (nuint)descriptors.Length, timeoutMilliseconds);
    }

    /// <summary>Flushes every C stdio output stream of the process (<c>fflush(NULL)</c>); false if one could not be flushed.</summary>
    public static bool FlushAll() => Fflush(0) == 0;

    private static partial class Fcntl
    {
        private const int GetFlags = 3; // F_GETFL
        private const int SetFlags = 4; // F_SETFL

        [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
        private static partial int FcntlInt(int descriptor, int command, int argument);

        public static int SetNonBlocking(int descriptor)
        {
            var flags = FcntlInt(descriptor, GetFlags, 0);
            return flags < 0 ? -1 : FcntlInt(descriptor, SetFlags, flags | ONonBlock);
        }
    }
}
