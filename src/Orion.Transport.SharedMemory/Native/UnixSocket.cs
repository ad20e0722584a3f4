using System.Text;

namespace Orion.Transport.SharedMemory.Native;

/// <summary>
/// A Unix domain SOCK_SEQPACKET socket, through libc: records keep their boundaries, a descriptor
/// travels with a record (SCM_RIGHTS), and the peer's end is seen as end of stream the moment its
/// process closes the socket or dies. Blocking calls are made on threads that expect to block.
/// </summary>
internal static unsafe class UnixSocket
{
    /// <summary>The longest socket path (sockaddr_un holds 108 bytes with the terminating NUL).</summary>
    public const int MaxPathBytes = LinuxMethods.SockAddrUnix.PathCapacity - 1;

    public static FileDescriptorHandle Create()
    {
        var fd = LinuxMethods.Socket(LinuxMethods.AF_UNIX, LinuxMethods.SOCK_SEQPACKET | LinuxMethods.SOCK_CLOEXEC, 0);
        return fd >= 0 ? new FileDescriptorHandle(fd) : throw NativeCallException.Last("socket(AF_UNIX, SOCK_SEQPACKET)");
    }

    public static void Bind(FileDescriptorHandle socket, string path, int backlog)
    {
        var address = Address(path);
        if (LinuxMethods.Bind(socket.Fd, &address, (uint)sizeof(LinuxMethods.SockAddrUnix)) != 0)
        {
            throw NativeCallException.Last($"bind({path})");
        }
        if (LinuxMethods.Listen(socket.Fd, backlog) != 0)
        {
            throw NativeCallException.Last($"listen({path})");
        }
    }

    public static void Connect(FileDescriptorHandle socket, string path)
    {
        var address = Address(path);
        while (LinuxMethods.Connect(socket.Fd, &address, (uint)sizeof(LinuxMethods.SockAddrUnix)) != 0)
        {
            var errno = LinuxMethods.LastError;
            if (errno != LinuxMethods.EINTR)
            {
                throw new NativeCallException($"connect({path})", errno);
            }
        }
    }

    /// <summary>Blocks until a connection arrives; null once the listening socket was shut down.</summary>
    public static FileDescriptorHandle? Accept(FileDescriptorHandle listening)
    {
        while (true)
        {
            var fd = LinuxMethods.Accept4(listening.Fd, 0, 0, LinuxMethods.SOCK_CLOEXEC);
            if (fd >= 0)
            {
                return new FileDescriptorHandle(fd);
            }
            var errno = LinuxMethods.LastError;
            if (errno is LinuxMethods.EINTR or 103 /* ECONNABORTED */ or 24 /* EMFILE */ or 23 /* ENFILE */)
            {
                if (errno is 24 or 23)
                {
                    Thread.Sleep(10); // out of descriptors: try again shortly rather than spin
                }
                continue;
            }
            return null; // EINVAL after shutdown, EBADF after close: the listener is stopped
        }
    }

    /// <summary>Makes blocking receives and sends give up after <paramref name="timeout"/> (zero: never).</summary>
    public static void SetTimeouts(FileDescriptorHandle socket, TimeSpan timeout)
    {
        var ticks = timeout <= TimeSpan.Zero || timeout == Timeout.InfiniteTimeSpan ? 0 : timeout.Ticks;
        var value = new LinuxMethods.TimeSpec { Seconds = ticks / TimeSpan.TicksPerSecond, Nanoseconds = ticks % TimeSpan.TicksPerSecond / 10 };
        _ = LinuxMethods.SetSockOpt(socket.Fd, LinuxMethods.SOL_SOCKET, LinuxMethods.SO_RCVTIMEO, &value, (uint)sizeof(LinuxMethods.TimeSpec));
        _ = LinuxMethods.SetSockOpt(socket.Fd, LinuxMethods.SOL_SOCKET, LinuxMethods.SO_SNDTIMEO, &value, (uint)sizeof(LinuxMethods.TimeSpec));
    }

    public static LinuxMethods.UnixCredentials PeerCredentials(FileDescriptorHandle socket)
    {
        LinuxMethods.UnixCredentials credentials;
        var length = (uint)sizeof(LinuxMethods.UnixCredentials);
        if (LinuxMethods.GetSockOpt(socket.Fd, LinuxMethods.SOL_SOCKET, LinuxMethods.SO_PEERCRED, &credentials, &length) != 0)
        {
            throw NativeCallException.Last("getsockopt(SO_PEERCRED)");
        }
        return credentials;
    }

    /// <summary>Sends one record, with <paramref name="descriptor"/> attached when given; blocks while the socket is full.</summary>
    public static void SendRecord(FileDescriptorHandle socket, ReadOnlySpan<byte> record, FileDescriptorHandle? descriptor)
    {
        var added = false;
        try
        {
            descriptor?.DangerousAddRef(ref added);
            fixed (byte* bytes = record)
            {
                var vector = new LinuxMethods.IoVector { Base = bytes, Length = (nuint)record.Length };
                var control = new LinuxMethods.ControlWithOneDescriptor
                {
                    Length = LinuxMethods.ControlWithOneDescriptor.DataLength,
                    Level = LinuxMethods.SOL_SOCKET,
                    Type = LinuxMethods.SCM_RIGHTS,
                    Descriptor = descriptor?.Fd ?? -1,
                };
                var message = new LinuxMethods.MessageHeader
                {
                    Vectors = &vector,
                    VectorCount = 1,
                    Control = descriptor is null ? null : &control,
                    ControlLength = descriptor is null ? 0 : (nuint)sizeof(LinuxMethods.ControlWithOneDescriptor),
                };
                while (LinuxMethods.SendMsg(socket.Fd, &message, LinuxMethods.MSG_NOSIGNAL) < 0)
                {
                    var errno = LinuxMethods.LastError;
                    if (errno != LinuxMethods.EINTR)
                    {
                        throw new NativeCallException("sendmsg", errno);
                    }
                }
            }
        }
        finally
        {
            if (added)
            {
                descriptor!.DangerousRelease();
            }
        }
    }

    /// <summary>Sends a one-byte record without waiting; false when the socket is full (the peer has
    /// wake-ups queued already, so one more adds nothing) or gone.</summary>
    public static bool TrySendByte(int fd, byte value)
        => LinuxMethods.Send(fd, &value, 1, LinuxMethods.MSG_DONTWAIT | LinuxMethods.MSG_NOSIGNAL) == 1;

    /// <summary>Receives one record into <paramref name="buffer"/>, blocking. Returns its length, 0 at end of
    /// stream. A descriptor that came with it is returned in <paramref name="descriptor"/>; a record longer
    /// than the buffer, or with more than one descriptor, is a <see cref="NativeCallException"/>.</summary>
    public static int ReceiveRecord(FileDescriptorHandle socket, Span<byte> buffer, out FileDescriptorHandle? descriptor)
    {
        descriptor = null;
        fixed (byte* bytes = buffer)
        {
            var vector = new LinuxMethods.IoVector { Base = bytes, Length = (nuint)buffer.Length };
            // Room for several descriptors, so that a peer sending more than one has them all closed here
            // rather than truncated away by the kernel.
            var control = stackalloc byte[256];
            var message = new LinuxMethods.MessageHeader { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = 256 };
            nint received;
            while ((received = LinuxMethods.RecvMsg(socket.Fd, &message, LinuxMethods.MSG_CMSG_CLOEXEC)) < 0)
            {
                var errno = LinuxMethods.LastError;
                if (errno != LinuxMethods.EINTR)
                {
                    throw new NativeCallException("recvmsg", errno);
                }
            }
            // Most records (wake-ups) carry no descriptor: then nothing is allocated here.
            var descriptors = message.ControlLength == 0 ? null : TakeDescriptors(control, (int)message.ControlLength);
            if (descriptors?.Count > 1 || (message.Flags & (LinuxMethods.MSG_CTRUNC | 0x20 /* MSG_TRUNC */)) != 0)
            {
                foreach (var extra in descriptors ?? [])
                {
                    extra.Dispose();
                }
                throw new NativeCallException("The peer sent a record larger than allowed, or more than one descriptor with it.");
            }
            descriptor = descriptors?.Count == 1 ? descriptors[0] : null;
            return (int)received;
        }
    }

    private static List<FileDescriptorHandle> TakeDescriptors(byte* control, int length)
    {
        var found = new List<FileDescriptorHandle>(1);
        var offset = 0;
        while (offset + 16 <= length)
        {
            var header = (LinuxMethods.ControlWithOneDescriptor*)(control + offset);
            var cmsgLength = (int)header->Length;
            if (cmsgLength < 16 || offset + cmsgLength > length)
            {
                break;
            }
            if (header->Level == LinuxMethods.SOL_SOCKET && header->Type == LinuxMethods.SCM_RIGHTS)
            {
                var fds = (int*)(control + offset + 16);
                for (var i = 0; i < (cmsgLength - 16) / sizeof(int); i++)
                {
                    found.Add(new FileDescriptorHandle(fds[i]));
                }
            }
            offset += (cmsgLength + 7) & ~7;
        }
        return found;
    }

    private static LinuxMethods.SockAddrUnix Address(string path)
    {
        var address = new LinuxMethods.SockAddrUnix { Family = LinuxMethods.AF_UNIX };
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length > MaxPathBytes || bytes.Contains((byte)0))
        {
            throw new ArgumentException($"The socket path '{path}' is longer than {MaxPathBytes} bytes or contains a NUL.", nameof(path));
        }
        bytes.CopyTo(new Span<byte>(address.Path, LinuxMethods.SockAddrUnix.PathCapacity));
        return address;
    }
}
