using Microsoft.Extensions.Logging;

namespace Orion.Cuda.Client.Native;

/// <summary>
/// Lets SDK components that log through <see cref="ILogger"/> (such as the <c>auto://</c>
/// transport choice) write to the library's stderr log, under ORION_LOG_LEVEL.
/// </summary>
internal sealed class NativeLogLogger : ILogger
{
    public static NativeLogLogger Instance { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => NativeLog.IsEnabled(Map(logLevel));

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var level = Map(logLevel);
        if (NativeLog.IsEnabled(level))
        {
            NativeLog.Write(level, formatter(state, exception));
        }
    }

    private static NativeLogLevel Map(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => NativeLogLevel.Debug,
        LogLevel.Information => NativeLogLevel.Info,
        LogLevel.Warning => NativeLogLevel.Warn,
        LogLevel.Error or LogLevel.Critical => NativeLogLevel.Error,
        _ => NativeLogLevel.None,
    };
}
