using Microsoft.Extensions.Options;

namespace Macha.Tests.Detection;

/// <summary>An options monitor whose value a test sets directly; change notifications never fire.</summary>
internal sealed class TestOptionsMonitor<T>(T value) : IOptionsMonitor<T>
    where T : class
{
    public T CurrentValue { get; set; } = value;

    public T Get(string? name) => CurrentValue;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
