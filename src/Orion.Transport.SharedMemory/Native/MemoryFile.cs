namespace Orion.Transport.SharedMemory.Native;

/// <summary>
/// Anonymous shared memory files (memfd): created sealed against shrinking and growing, so that a
/// peer that maps one can never be made to fault (SIGBUS) by the creator truncating it afterwards;
/// and the checks a receiver makes on one a peer sent before it maps it.
/// </summary>
internal static class MemoryFile
{
    public static FileDescriptorHandle Create(string name, long length)
    {
        var fd = LinuxMethods.MemfdCreate(name, LinuxMethods.MFD_CLOEXEC | LinuxMethods.MFD_ALLOW_SEALING);
        if (fd < 0)
        {
            throw NativeCallException.Last("memfd_create");
        }
        var file = new FileDescriptorHandle(fd);
        try
        {
            if (LinuxMethods.Ftruncate(fd, length) != 0)
            {
                throw NativeCallException.Last($"ftruncate (sizing the shared memory to {length} bytes)");
            }
            if (LinuxMethods.Fcntl(fd, LinuxMethods.F_ADD_SEALS, LinuxMethods.F_SEAL_SHRINK | LinuxMethods.F_SEAL_GROW | LinuxMethods.F_SEAL_SEAL) != 0)
            {
                throw NativeCallException.Last("fcntl(F_ADD_SEALS)");
            }
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Why <paramref name="file"/>, received from the peer, must not be mapped as
    /// <paramref name="expectedLength"/> bytes; null when it may.</summary>
    public static string? CheckReceived(FileDescriptorHandle file, long expectedLength)
    {
        var fd = file.Fd;
        var seals = LinuxMethods.Fcntl(fd, LinuxMethods.F_GET_SEALS, 0);
        if (seals < 0)
        {
            return "the descriptor is not a sealable memory file (memfd)";
        }
        if ((seals & LinuxMethods.F_SEAL_SHRINK) == 0)
        {
            return "the memory file is not sealed against shrinking (it could be truncated under the mapping)";
        }
        var length = LinuxMethods.Lseek(fd, 0, LinuxMethods.SEEK_END);
        if (length != expectedLength)
        {
            return $"the memory file holds {length} bytes, not the {expectedLength} stated";
        }
        return null;
    }
}
