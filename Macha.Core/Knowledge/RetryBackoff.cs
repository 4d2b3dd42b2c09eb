namespace Macha.Core.Knowledge;

/// <summary>
/// Capped exponential back-off: each <see cref="Next"/> returns twice the previous delay, up to
/// the maximum, and <see cref="Reset"/> starts again from the first delay after a success.
/// Not thread-safe; one loop owns it.
/// </summary>
internal sealed class RetryBackoff
{
    private readonly TimeSpan _first;
    private readonly TimeSpan _max;
    private TimeSpan? _last;

    public RetryBackoff(TimeSpan first, TimeSpan max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(first, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, first);
        _first = first;
        _max = max;
    }

    /// <summary>Returns the delay before the next attempt and doubles the one after it.</summary>
    public TimeSpan Next()
    {
        var delay = _last is { } last ? TimeSpan.FromTicks(Math.Min(last.Ticks * 2, _max.Ticks)) : _first;
        _last = delay;
        return delay;
    }

    public void Reset() => _last = null;
}
