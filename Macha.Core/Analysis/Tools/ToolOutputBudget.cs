using System.Globalization;
using System.Text;
using Macha.Core.Analysis.MapReduce;
using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Analysis.Tools;

/// <summary>
/// Sanitizes a tool's output and cuts it to <see cref="MaxCharacters"/> with a marker. An output
/// that is cut is stored whole in the large-output cache, when there is one, so the model can read
/// the rest with fetch_output.
/// </summary>
internal sealed class ToolOutputBudget
{
    /// <summary>Maximum length of a tool's text, marker included, in UTF-16 chars; the analyst cuts at the same length.</summary>
    public const int MaxCharacters = 4000;

    // Room kept below MaxCharacters for the marker line.
    private const int MarkerReserve = 320;

    private readonly LargeOutputCache? _cache;

    public ToolOutputBudget(LargeOutputCache? cache)
    {
        _cache = cache;
    }

    /// <summary>Whether cut outputs are cached for fetch_output.</summary>
    public bool CachesOutputs => _cache is not null;

    /// <summary>
    /// Removes escape sequences and control characters from each line with
    /// <see cref="LogTextSanitizer"/>, drops carriage returns, and cuts lines longer than
    /// <see cref="LogTextSanitizer.MaxMessageLength"/>.
    /// </summary>
    public static string Sanitize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        var builder = new StringBuilder(text.Length);
        foreach (var line in text.Split('\n'))
        {
            if (builder.Length > 0)
            {
                builder.Append('\n');
            }

            // One line at a time, because the sanitizer keeps only the first lines of a message.
            builder.Append(LogTextSanitizer.Sanitize(line));
        }

        return builder.ToString().TrimEnd();
    }

    /// <summary>UTF-8 size of a command's captured output, for <see cref="ToolOutput.OutputBytes"/>.</summary>
    public static long SizeOf(CommandResult result) =>
        Encoding.UTF8.GetByteCount(result.StandardOutput) + Encoding.UTF8.GetByteCount(result.StandardError);

    /// <summary>
    /// Builds a successful output from already sanitized <paramref name="text"/>. Text over the budget
    /// is cut at a line end and, with a cache, stored whole under <paramref name="description"/>.
    /// </summary>
    /// <param name="outputBytes">Size of what the host printed, before any cut.</param>
    public async Task<ToolOutput> FitAsync(string text, long outputBytes, string description, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);

        if (text.Length <= MaxCharacters)
        {
            return new ToolOutput(true, text, outputBytes);
        }

        var lines = text.Split('\n');
        var keptLines = 0;
        var keptLength = 0;
        while (keptLines < lines.Length && keptLength + lines[keptLines].Length + 1 <= MaxCharacters - MarkerReserve)
        {
            keptLength += lines[keptLines].Length + 1;
            keptLines++;
        }

        // A first line longer than the budget is cut inside the line rather than showing nothing.
        var kept = keptLines > 0
            ? string.Join('\n', lines, 0, keptLines)
            : lines[0][..(MaxCharacters - MarkerReserve)];

        var cachedId = await TryCacheAsync(text, description, cancellationToken);
        var shown = string.Create(
            CultureInfo.InvariantCulture,
            $"[… output cut: lines 1 to {Math.Max(keptLines, 1)} of {lines.Length} shown, {kept.Length} of {text.Length} characters");
        var marker = cachedId is null
            ? shown + "; the rest was not kept.]"
            : shown + string.Create(
                CultureInfo.InvariantCulture,
                $". The whole output is cached: call fetch_output with id \"{cachedId}\" and first_line {keptLines + 1} to read on.]");

        return new ToolOutput(true, kept + "\n" + marker, outputBytes, cachedId);
    }

    private async Task<string?> TryCacheAsync(string text, string description, CancellationToken cancellationToken)
    {
        if (_cache is null)
        {
            return null;
        }

        try
        {
            var info = await _cache.StoreAsync(new[] { text }.ToAsyncEnumerable(), description, cancellationToken);
            return info.Id;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A full or read-only data directory costs the model the rest of the output, not the call.
            return null;
        }
    }
}
