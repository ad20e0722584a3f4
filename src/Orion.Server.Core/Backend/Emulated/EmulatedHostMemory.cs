using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// The few Linux calls behind the emulated device's virtual memory: a reservation is a range of this process's
/// addresses with nothing behind it (an inaccessible mapping), a physical allocation is an anonymous memory file,
/// and a mapping maps that file into the reservation. So mapped memory is contiguous across mappings, as device
/// addresses are, and one allocation mapped twice is the same memory at both places.
/// </summary>
internal static unsafe partial class EmulatedHostMemory
{
    private const string Libc = "libc";
    private const int ProtectNone = 0;
    private const int ProtectReadWrite = 0x1 | 0x2; // PROT_READ | PROT_WRITE
    private const int MapShared = 0x01;
    private const int MapPrivate = 0x02;
    private const int MapFixed = 0x10;
    private const int MapAnonymous = 0x20;
    private const int MapNoReserve = 0x4000;
    private const uint MemoryFileCloseOnExec = 0x1; // MFD_CLOEXEC
    private static readonly nint MapFailed = -1;

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int descriptor, long offset);

    [LibraryImport(Libc, EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);

    [LibraryImport(Libc, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(int descriptor, long length);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);

    /// <summary>True where these calls exist (Linux).</summary>
    public static bool IsAvailable => OperatingSystem.IsLinux();

    /// <summary><paramref name="bytes"/> of inaccessible addresses that cost no memory; 0 when there is no room.</summary>
    public static nint Reserve(ulong bytes)
    {
        var address = Mmap(0, (nuint)bytes, ProtectNone, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
        return address == MapFailed ? 0 : address;
    }

    /// <summary>Gives a reservation's addresses back, with whatever is mapped in them.</summary>
    public static void Free(nint address, ulong bytes) => Munmap(address, (nuint)bytes);

    /// <summary>An anonymous memory file of <paramref name="bytes"/> (its pages come when first touched); -1 when none can be made.</summary>
    public static int CreateMemory(ulong bytes)
    {
        var descriptor = MemfdCreate("orion-emulated-physical", MemoryFileCloseOnExec);
        if (descriptor < 0)
        {
            return -1;
        }
        if (Ftruncate(descriptor, (long)bytes) != 0)
        {
            Close(descriptor);
            return -1;
        }
        return descriptor;
    }

    public static void CloseMemory(int descriptor) => Close(descriptor);

    /// <summary>Maps the first <paramref name="bytes"/> of a memory file at <paramref name="address"/>, inside a reservation.</summary>
    public static bool Map(nint address, ulong bytes, int descriptor) =>
        Mmap(address, (nuint)bytes, ProtectReadWrite, MapShared | MapFixed, descriptor, 0) == address;

    /// <summary>Puts inaccessible addresses back where a memory file was mapped (the reservation stays whole).</summary>
    public static bool Unmap(nint address, ulong bytes) =>
        Mmap(address, (nuint)bytes, ProtectNone, MapPrivate | MapAnonymous | MapNoReserve | MapFixed, -1, 0) == address;
}
