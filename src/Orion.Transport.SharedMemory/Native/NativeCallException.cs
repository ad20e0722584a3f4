namespace Orion.Transport.SharedMemory.Native;

/// <summary>A libc call failed: carries errno, so setup code can tell "no such socket" from "permission denied".</summary>
internal sealed class NativeCallException : IOException
{
    public NativeCallException(string call, int errno)
        : base($"{call} failed: {LinuxMethods.ErrorText(errno)} (errno {errno})")
    {
        Errno = errno;
    }

    public NativeCallException() : base("A libc call failed.") { }

    public NativeCallException(string message) : base(message) { }

    public NativeCallException(string message, Exception innerException) : base(message, innerException) { }

    public int Errno { get; }

    public static NativeCallException Last(string call) => new(call, LinuxMethods.LastError);
}
