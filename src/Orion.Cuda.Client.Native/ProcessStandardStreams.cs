using System.Runtime.InteropServices;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Client.Native;

/// <summary>
/// The CUDA program's own C standard streams (<c>stdout</c>, <c>stderr</c>), where device output goes, as
/// NVIDIA's driver writes it on a local GPU: through the same buffered stdio streams as the program's own
/// <c>printf</c>, so that the two stay in order whatever stdout is (terminal, pipe or file).
/// </summary>
internal static unsafe partial class ProcessStandardStreams
{
    private static readonly nint StandardOutput = ReadStream("stdout");
    private static readonly nint StandardError = ReadStream("stderr");

    [LibraryImport("libc", EntryPoint = "fwrite")]
    private static partial nuint Fwrite(byte* data, nuint size, nuint count, nint stream);

    /// <summary>Writes device output to the program's stdout or stderr (a <see cref="Cuda.Remote.Client.DeviceOutputHandler"/>).</summary>
    public static void Write(DeviceOutputTarget target, ReadOnlySpan<byte> text)
    {
        var stream = target == DeviceOutputTarget.StandardError ? StandardError : StandardOutput;
        if (stream == 0 || text.IsEmpty)
        {
            return;
        }
        fixed (byte* data = text)
        {
            // A short write (a closed stdout) loses the text, as it would for the program's own printf.
            _ = Fwrite(data, 1, (nuint)text.Length, stream);
        }
    }

    /// <summary>The FILE* that the C library's global <paramref name="name"/> holds, or 0 when it cannot be found.</summary>
    private static nint ReadStream(string name)
    {
        if (!NativeLibrary.TryLoad("libc.so.6", out var libc) || !NativeLibrary.TryGetExport(libc, name, out var variable))
        {
            return 0;
        }
        return *(nint*)variable;
    }
}
