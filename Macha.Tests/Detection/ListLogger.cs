using Microsoft.Extensions.Logging;

namespace Macha.Tests.Detection;

/// <summary>A logger that keeps every entry in memory, for tests that check what was logged.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public List<LogEntry> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var properties = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
        Entries.Add(new LogEntry(logLevel, exception, formatter(state, exception), properties.ToDictionary(pair => pair.Key, pair => pair.Value)));
    }

    internal sealed record LogEntry(LogLevel Level, Exception? Exception, string Message, Dictionary<string, object?> Properties);
}
