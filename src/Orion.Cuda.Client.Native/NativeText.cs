using System.Text.Unicode;

namespace Orion.Cuda.Client.Native;

/// <summary>Strings handed to C callers.</summary>
internal static class NativeText
{
    /// <summary>
    /// Writes <paramref name="text"/> as NUL-terminated UTF-8 into <paramref name="destination"/>,
    /// cut at a whole character when it does not fit (C callers give fixed buffers, such as
    /// <c>cudaDeviceProp.name</c>, and the text comes from the server). The rest of the buffer is zeroed.
    /// </summary>
    /// <returns>The bytes written before the terminator.</returns>
    public static int WriteTruncated(ReadOnlySpan<char> text, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfZero(destination.Length);
        destination.Clear();
        // DestinationTooSmall is the expected outcome for a long text: whatever fitted is kept.
        Utf8.FromUtf16(text, destination[..^1], out _, out var written, replaceInvalidSequences: true, isFinalBlock: true);
        return written;
    }
}
