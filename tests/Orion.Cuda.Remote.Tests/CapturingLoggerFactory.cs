using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Orion.Cuda.Remote.Tests;

/// <summary>Keeps every log entry at every level, with its structured values, exception and scopes, as text a test can search.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private static string Describe(object? state)
    {
        var text = state?.ToString() ?? "";
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            text += " | " + string.Join(" | ", values.Select(v => $"{v.Key}={v.Value}"));
        }
        return text;
    }

    private sealed class CapturingLogger(CapturingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner.Lines.Enqueue($"{category} scope: {Describe(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner.Lines.Enqueue($"{logLevel} {category}[{eventId}] {formatter(state, exception)} | {Describe(state)} | {exception}");
        }
    }
}
