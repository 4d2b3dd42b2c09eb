namespace Macha.Core.Knowledge.Chroma;

/// <summary>
/// The bounded retry for a query that Chroma 1.0.0 rejects with a 500 while it builds a collection's
/// index: "Error creating hnsw segment reader: Nothing found on disk" (upstream issue
/// chroma-core/chroma#4212). The error is expected to clear once the records are indexed, so a few
/// attempts with a doubling pause are made. More attempts would hold up the analysis that searches.
/// </summary>
internal static class ChromaIndexRetry
{
    /// <summary>Attempts of one query, the first included.</summary>
    public const int MaxAttempts = 4;

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    /// <summary>Returns whether the failure is the transient "index not readable yet" 500 and not a real server error.</summary>
    public static bool IsIndexNotReady(ChromaException exception) =>
        exception.Kind == ChromaErrorKind.ServerError
        && (exception.Message.Contains("segment reader", StringComparison.OrdinalIgnoreCase)
            || exception.Message.Contains("Nothing found on disk", StringComparison.OrdinalIgnoreCase));

    /// <summary>Returns the pause after failed attempt <paramref name="attempt"/> (1 for the first): 250 ms, doubling, at most 2 s.</summary>
    public static TimeSpan DelayAfter(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var ticks = FirstDelay.Ticks << Math.Min(attempt - 1, 16);
        return TimeSpan.FromTicks(Math.Min(ticks, MaxDelay.Ticks));
    }
}
