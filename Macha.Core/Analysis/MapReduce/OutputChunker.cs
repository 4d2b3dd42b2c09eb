using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Macha.Core.Analysis.MapReduce;

/// <summary>Consecutive lines of a cached output that fit one prompt.</summary>
/// <param name="FirstLine">Zero-based number of the chunk's first line in the output.</param>
/// <param name="Text">The lines joined by '\n', without a final newline.</param>
/// <param name="EstimatedTokens">Upper bound of the estimate of <paramref name="Text"/>.</param>
internal sealed record OutputChunk(long FirstLine, int LineCount, string Text, int EstimatedTokens);

/// <summary>Splits a stream of lines at line boundaries into chunks within a token limit.</summary>
internal static class OutputChunker
{
    /// <summary>
    /// Yields chunks whose estimate is at most <paramref name="chunkTokens"/>. A line that alone
    /// exceeds the limit gets a chunk of its own, cut to fit, with a marker that says how much was
    /// kept. Only the current chunk is held in memory.
    /// </summary>
    public static async IAsyncEnumerable<OutputChunk> ChunkAsync(
        IAsyncEnumerable<string> lines,
        int chunkTokens,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkTokens, TokenBudget.MinimumChunkTokens);

        var text = new StringBuilder();
        long lineNumber = 0, firstLine = 0;
        int lineCount = 0, tokens = 0;
        await foreach (var line in lines.WithCancellation(cancellationToken))
        {
            // The newline that joins a line to the next one costs one token.
            var cost = TokenBudget.Estimate(line) + 1;
            var lineText = line;
            if (cost > chunkTokens)
            {
                lineText = CutLine(line, lineNumber, chunkTokens - 1);
                cost = TokenBudget.Estimate(lineText) + 1;
            }

            if (lineCount > 0 && tokens + cost > chunkTokens)
            {
                yield return new OutputChunk(firstLine, lineCount, text.ToString(), tokens);
                text.Clear();
                firstLine = lineNumber;
                lineCount = 0;
                tokens = 0;
            }

            if (lineCount > 0)
            {
                text.Append('\n');
            }

            text.Append(lineText);
            tokens += cost;
            lineCount++;
            lineNumber++;
        }

        if (lineCount > 0)
        {
            yield return new OutputChunk(firstLine, lineCount, text.ToString(), tokens);
        }
    }

    private static string CutLine(string line, long lineNumber, int maxTokens)
    {
        // The marker is sized with the line's full length, which has at least as many digits as the
        // kept length, so the final marker never costs more than the room kept for it.
        var markerTokens = TokenBudget.Estimate(Marker(lineNumber, line.Length, line.Length));
        var kept = TokenBudget.CutToTokens(line, maxTokens - markerTokens);
        return kept + Marker(lineNumber, kept.Length, line.Length);
    }

    private static string Marker(long lineNumber, int keptChars, int totalChars) =>
        string.Create(CultureInfo.InvariantCulture, $" [… line {lineNumber + 1} cut: first {keptChars} of {totalChars} chars shown]");
}
