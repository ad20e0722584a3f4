using System.Runtime.InteropServices;

namespace Orion.Transport.SharedMemory.Native;

/// <summary>
/// The libc calls of the shared-memory transport: memfd segments and their seals, mappings, futexes
/// and Unix domain sockets with descriptor passing. Fixed-width types throughout (the LP64 Linux ABI:
/// <c>long</c>, <c>size_t</c> and <c>off_t</c> are 64-bit). Only the futex wake, which never blocks
/// and takes well under a microsecond, skips the GC transition.
/// </summary>
internal static unsafe partial class LinuxMethods
{
    private const string Libc = "libc";

    public const int AF_UNIX = 1;
    public const int SOCK_SEQPACKET = 5;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SO_PEERCRED = 17;
    public const int SO_RCVTIMEO = 20;
    public const int SO_SNDTIMEO = 21;
    public const int SCM_RIGHTS = 1;
    public const int SHUT_WR = 1;
    public const int SHUT_RDWR = 2;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int MSG_CTRUNC = 0x8;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;

    public const uint MFD_CLOEXEC = 1;
    public const uint MFD_ALLOW_SEALING = 2;
    public const int F_ADD_SEALS = 1033;
    public const int F_GET_SEALS = 1034;
    public const int F_SEAL_SEAL = 1;
    public const int F_SEAL_SHRINK = 2;
    public const int F_SEAL_GROW = 4;
    public const int SEEK_END = 2;

    public const int PROT_NONE = 0;
    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 1;
    public const int MAP_PRIVATE = 2;
    public const int MAP_FIXED = 0x10;
    public const int MAP_ANONYMOUS = 0x20;
    public const int MAP_NORESERVE = 0x4000;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ETIMEDOUT = 110;

    private const int FUTEX_WAIT = 0;
    private const int FUTEX_WAKE = 1;

    /// <summary>The futex system call's number differs by architecture (glibc has no wrapper).</summary>
    private static readonly nint SysFutex = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => -1,
    };

    public static bool FutexSupported => SysFutex >= 0;

    [LibraryImport(Libc, EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Libc, EntryPoint = "lseek", SetLastError = true)]
    public static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Libc, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial nint FutexWaitCall(nint number, uint* address, int operation, uint expected, TimeSpec* timeout, nint unused1, nint unused2);

    [LibraryImport(Libc, EntryPoint = "syscall")]
    [SuppressGCTransition]
    private static partial nint FutexWakeCall(nint number, uint* address, int operation, int count, nint unused0, nint unused1, nint unused2);

    [LibraryImport(Libc, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Libc, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, SockAddrUnix* address, uint length);

    [LibraryImport(Libc, EntryPoint = "listen", SetLastError = true)]
    public static partial int Listen(int fd, int backlog);

    [LibraryImport(Libc, EntryPoint = "accept4", SetLastError = true)]
    public static partial int Accept4(int fd, nint address, nint length, int flags);

    [LibraryImport(Libc, EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, SockAddrUnix* address, uint length);

    [LibraryImport(Libc, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport(Libc, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Libc, EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int fd, MessageHeader* message, int flags);

    [LibraryImport(Libc, EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(int fd, MessageHeader* message, int flags);

    [LibraryImport(Libc, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport(Libc, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport(Libc, EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Unlink(string path);

    /// <summary>Sleeps while <c>*address == expected</c>, at most <paramref name="timeoutNanoseconds"/>;
    /// returns at once when the value differs (another thread or process changed it) or on a wake.</summary>
    public static void FutexWait(uint* address, uint expected, long timeoutNanoseconds)
    {
        var timeout = new TimeSpec { Seconds = timeoutNanoseconds / 1_000_000_000, Nanoseconds = timeoutNanoseconds % 1_000_000_000 };
        // Not FUTEX_PRIVATE: the word lives in a segment the peer process maps too.
        _ = FutexWaitCall(SysFutex, address, FUTEX_WAIT, expected, &timeout, 0, 0);
    }

    public static void FutexWakeAll(uint* address) => _ = FutexWakeCall(SysFutex, address, FUTEX_WAKE, int.MaxValue, 0, 0, 0);

    public static int LastError => Marshal.GetLastPInvokeError();

    public static string ErrorText(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary><c>struct sockaddr_un</c>: the family, then a NUL-terminated path of at most 107 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrUnix
    {
        public const int PathCapacity = 108;
        public ushort Family;
        public fixed byte Path[PathCapacity];
    }

    /// <summary><c>struct msghdr</c> (LP64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MessageHeader
    {
        public nint Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVector
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct cmsghdr</c> followed by room for one descriptor (CMSG_SPACE(sizeof(int)) = 24).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ControlWithOneDescriptor
    {
        public const int DataLength = 16 + sizeof(int); // CMSG_LEN(sizeof(int))
        public nuint Length;
        public int Level;
        public int Type;
        public int Descriptor;
        public int Padding;
    }

    /// <summary><c>struct ucred</c>, as SO_PEERCRED returns it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct UnixCredentials
    {
        public int ProcessId;
        public uint UserId;
        public uint GroupId;
    }
}
