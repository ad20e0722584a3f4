using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol.Security;

/// <summary>
/// Reads an auth token from a file, with the same rules for the server (<c>--token-file</c>, <c>ORION_TOKEN_FILE</c>,
/// <c>OrionServerOptions.AuthTokenFile</c>) and the client library (<c>ORION_TOKEN_FILE</c>): a token on a command line
/// is visible to every user in <c>/proc/&lt;pid&gt;/cmdline</c>, a file readable only by its owner is not.
/// <list type="bullet">
/// <item>On Unix the file must not be accessible by its group or by others (mode <c>0600</c> or <c>0400</c>), as ssh
/// requires of a private key; a file that is is refused.</item>
/// <item>The token is the file's text (UTF-8) without its trailing line break (<c>\n</c> or <c>\r\n</c>, as
/// <c>echo</c> or an editor leaves it); an empty token, a second line or more than
/// <see cref="ProtocolLimits.MaxTextBytes"/> bytes are refused.</item>
/// </list>
/// Error messages name the path, never the file's contents.
/// </summary>
public static class AuthTokenFile
{
    /// <summary>Group and other permission bits: none may be set on a token file.</summary>
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the token of <paramref name="path"/>; false with a one-line <paramref name="error"/> (naming the path) when the file is refused.</summary>
    public static bool TryRead(string path, [NotNullWhen(true)] out string? token, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(path);
        token = null;
        if (path.Length == 0)
        {
            error = "the auth token file path is empty";
            return false;
        }
        if (Directory.Exists(path))
        {
            error = $"auth token file '{path}' is a directory";
            return false;
        }
        byte[] bytes;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            if (!OperatingSystem.IsWindows())
            {
                // Checked on the open file, so the file read is the file checked.
                var mode = File.GetUnixFileMode(file.SafeFileHandle);
                if ((mode & GroupOrOthers) != 0)
                {
                    error = string.Create(CultureInfo.InvariantCulture,
                        $"auth token file '{path}' is refused: its permissions {Octal(mode)} let its group or others access it; make it readable by its owner only (chmod 600 '{path}')");
                    return false;
                }
            }
            // A line break after the longest token may follow it; anything longer is refused unread.
            var buffer = new byte[ProtocolLimits.MaxTextBytes + 3];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = file.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }
            bytes = buffer[..length];
            Array.Clear(buffer);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            error = $"auth token file '{path}' does not exist";
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"auth token file '{path}' cannot be read: {ex.Message}";
            return false;
        }
        return TryParse(bytes, path, out token, out error);
    }

    /// <summary>Reads the token of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">The file is refused; the message names the path and why.</exception>
    public static string Read(string path) =>
        TryRead(path, out var token, out var error) ? token : throw new InvalidOperationException(error);

    private static bool TryParse(byte[] bytes, string path, [NotNullWhen(true)] out string? token, [NotNullWhen(false)] out string? error)
    {
        token = null;
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            error = $"auth token file '{path}' is not UTF-8 text";
            return false;
        }
        finally
        {
            Array.Clear(bytes);
        }
        if (text.EndsWith("\r\n", StringComparison.Ordinal))
        {
            text = text[..^2];
        }
        else if (text.EndsWith('\n'))
        {
            text = text[..^1];
        }
        if (text.Length == 0)
        {
            error = $"auth token file '{path}' is empty";
            return false;
        }
        if (text.Contains('\n', StringComparison.Ordinal) || text.Contains('\r', StringComparison.Ordinal))
        {
            error = $"auth token file '{path}' holds more than one line; the token is its only line";
            return false;
        }
        if (Encoding.UTF8.GetByteCount(text) > ProtocolLimits.MaxTextBytes)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"auth token file '{path}' holds more than {ProtocolLimits.MaxTextBytes} bytes");
            return false;
        }
        token = text;
        error = null;
        return true;
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8);
}
