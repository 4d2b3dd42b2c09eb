using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Cleans text read from a host's logs before it is stored, shown or put in a prompt: removes
/// terminal escape sequences and control characters, and cuts long or many-line messages with a
/// visible marker.
/// </summary>
internal static partial class LogTextSanitizer
{
    /// <summary>Maximum length of a sanitized message, in UTF-16 chars, before the cut marker.</summary>
    public const int MaxMessageLength = 2000;

    /// <summary>Maximum lines kept of a multi-line message, such as a kernel call trace.</summary>
    public const int MaxMessageLines = 10;

    public static string Sanitize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        var withoutEscapes = AnsiEscapeSequence().Replace(text, string.Empty);
        var builder = new StringBuilder(withoutEscapes.Length);
        foreach (var c in withoutEscapes)
        {
            if (c is '\n' or '\t' || !IsInvisibleControl(c))
            {
                builder.Append(c);
            }
        }

        var cleaned = builder.ToString().TrimEnd();
        return CutLength(CutLines(cleaned));
    }

    private static bool IsInvisibleControl(char c) =>
        char.IsControl(c)
        // Bidirectional overrides and isolates can make a log line display differently from its bytes.
        || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';

    private static string CutLines(string text)
    {
        var lines = text.Split('\n');
        if (lines.Length <= MaxMessageLines)
        {
            return text;
        }

        var kept = string.Join('\n', lines.Take(MaxMessageLines));
        return kept + string.Create(CultureInfo.InvariantCulture, $"\n[… {lines.Length - MaxMessageLines} more lines cut]");
    }

    private static string CutLength(string text)
    {
        if (text.Length <= MaxMessageLength)
        {
            return text;
        }

        var end = MaxMessageLength;
        if (char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        return text[..end] + string.Create(CultureInfo.InvariantCulture, $" [… cut, {text.Length} chars in total]");
    }

    // CSI sequences (ESC [ … final byte, or the one-byte CSI U+009B), OSC sequences ended by BEL or
    // ESC \, and the two-byte escapes ESC followed by one char in @–_.
    [GeneratedRegex(@"(?:\x1B\[|\u009B)[0-?]*[ -/]*[@-~]|\x1B\][^\x07\x1B]*(?:\x07|\x1B\\)?|\x1B[@-Z\\-_]", RegexOptions.CultureInvariant)]
    private static partial Regex AnsiEscapeSequence();
}
