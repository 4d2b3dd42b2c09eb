namespace Macha.Core.Analysis.MapReduce;

/// <summary>What the large-output cache stored for one output.</summary>
/// <param name="Id">The entry's id: 32 lowercase hexadecimal digits.</param>
/// <param name="Description">Where the output came from, such as the command and host, for people and prompts.</param>
/// <param name="LineCount">Lines stored, including the closing marker line of a truncated entry.</param>
/// <param name="ByteSize">Size of the stored, sanitized text in UTF-8 bytes, newlines included.</param>
/// <param name="CutLineCount">Lines longer than <see cref="LargeOutputCache.MaxLineChars"/> that were cut.</param>
/// <param name="Truncated">True when the source exceeded <see cref="MapReduceOptions.CacheMaxEntryBytes"/> and its rest was dropped.</param>
internal sealed record CachedOutputInfo(
    string Id,
    string Description,
    DateTimeOffset CreatedAt,
    long LineCount,
    long ByteSize,
    long CutLineCount,
    bool Truncated);

/// <summary>A range of lines read from a cached output.</summary>
/// <param name="FirstLine">Zero-based number of the first line in <paramref name="Lines"/>.</param>
/// <param name="TotalLines">Lines in the whole entry.</param>
/// <param name="CutAtMaxBytes">True when the range stopped early, or its only line was cut, to stay within the byte limit.</param>
internal sealed record CachedOutputRange(
    string Id,
    long FirstLine,
    IReadOnlyList<string> Lines,
    long TotalLines,
    bool CutAtMaxBytes)
{
    /// <summary>Zero-based number of the line after the range, where a following read starts.</summary>
    public long NextLine => FirstLine + Lines.Count;
}

/// <summary>What one cleanup of the large-output cache deleted.</summary>
internal sealed record CacheCleanupResult(int DeletedCount, long DeletedBytes, int RemainingCount, long RemainingBytes);
