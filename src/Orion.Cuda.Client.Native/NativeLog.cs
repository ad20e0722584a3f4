namespace Orion.Cuda.Client.Native;

internal enum NativeLogLevel
{
    None = 0,
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

/// <summary>
/// stderr logging in the same format as libcudart.so.13's ("orion: ..."), with the same
/// ORION_LOG_LEVEL. The library lives inside someone else's process: no logging framework, no
/// files, one line per write.
/// </summary>
internal static class NativeLog
{
    private static readonly Lock WriteLock = new();

    public static NativeLogLevel Level { get; set; } = NativeLogLevel.Warn;

    public static NativeLogLevel ParseLevel(string? value, out string? error)
    {
        error = null;
        switch (value?.Trim().ToUpperInvariant())
        {
            case null or "":
            case "WARN" or "WARNING":
                return NativeLogLevel.Warn;
            case "NONE" or "OFF":
                return NativeLogLevel.None;
            case "ERROR":
                return NativeLogLevel.Error;
            case "INFO":
                return NativeLogLevel.Info;
            case "DEBUG" or "TRACE":
                return NativeLogLevel.Debug;
            default:
                error = $"ORION_LOG_LEVEL='{value}' is not one of none, error, warn, info, debug";
                return NativeLogLevel.Warn;
        }
    }

    public static bool IsEnabled(NativeLogLevel level) => level != NativeLogLevel.None && level <= Level;

    public static void Write(NativeLogLevel level, string message)
    {
        if (!IsEnabled(level))
        {
            return;
        }
        lock (WriteLock)
        {
            Console.Error.WriteLine("orion: " + message);
        }
    }
}
