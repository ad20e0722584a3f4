using Microsoft.Extensions.Logging;

namespace Orion.Server.Core.Isolation;

/// <summary>
/// A worker process's log: one line per entry on stderr, in the console logger's single-line form
/// (<c>info: Category[EventId] message</c>) without a timestamp, because the supervisor forwards each
/// line into its own timestamped log. Built in so that Orion.Server.Core needs no console-logging
/// package and a host cannot send log lines to stdout, which carries only the endpoint line.
/// </summary>
internal sealed class WorkerLoggerFactory(TextWriter output, LogLevel minimumLevel) : ILoggerFactory
{
    private readonly TextWriter _output = output;
    private readonly LogLevel _minimumLevel = minimumLevel;

    // One WriteLine per entry under this lock keeps lines from different threads whole.
    private readonly Lock _writing = new();

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("A worker's log is its stderr, which the supervisor forwards; it takes no other providers.");

    public void Dispose() => _output.Flush();

    private void Write(string line)
    {
        lock (_writing)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    private static string Abbreviation(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class LineLogger(WorkerLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= factory._minimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += " " + exception;
            }
            // The supervisor reads the worker's stderr line by line: an entry must stay on one line.
            message = message.ReplaceLineEndings(" ");
            factory.Write($"{Abbreviation(logLevel)}: {category}[{eventId.Id}] {message}");
        }
    }
}
