using Microsoft.Win32.SafeHandles;

namespace Orion.Transport.SharedMemory.Native;

/// <summary>A file descriptor (a memfd, a Unix socket) that is closed exactly once, and never while a
/// call that took a reference (<see cref="System.Runtime.InteropServices.SafeHandle.DangerousAddRef"/>) still uses it.</summary>
internal sealed class FileDescriptorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public FileDescriptorHandle(int fd)
        : base(ownsHandle: true)
    {
        SetHandle(fd);
    }

    /// <summary>The descriptor number, for a call made while this handle is known to be alive.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => LinuxMethods.Close((int)handle) == 0;
}
