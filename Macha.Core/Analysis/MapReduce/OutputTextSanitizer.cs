using System.Text;
using System.Text.RegularExpressions;

namespace Macha.Core.Analysis.MapReduce;

/// <summary>
/// Removes terminal escape sequences and invisible control characters from output text before it is
/// cached or put in a prompt. Unlike <c>LogTextSanitizer</c>, which cuts a journal message at 2,000
/// chars and 10 lines, it keeps the whole text, because cached outputs are read back by line range.
/// </summary>
internal static partial class OutputTextSanitizer
{
    /// <summary>Cleans one line: tabs stay, every other control character goes, '\n' included.</summary>
    public static string SanitizeLine(string line) => Sanitize(line, keepNewlines: false);

    /// <summary>Cleans text of several lines, keeping '\n' and dropping '\r'.</summary>
    public static string SanitizeText(string text) => Sanitize(text, keepNewlines: true);

    private static string Sanitize(string text, bool keepNewlines)
    {
        ArgumentNullException.ThrowIfNull(text);

        var withoutEscapes = text.Contains('\u001B', StringComparison.Ordinal) || text.Contains('\u009B', StringComparison.Ordinal)
            ? EscapeSequence().Replace(text, string.Empty)
            : text;
        if (!NeedsCleaning(withoutEscapes, keepNewlines))
        {
            return withoutEscapes;
        }

        var builder = new StringBuilder(withoutEscapes.Length);
        foreach (var c in withoutEscapes)
        {
            if (c == '\t' || (c == '\n' && keepNewlines) || !IsInvisible(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static bool NeedsCleaning(string text, bool keepNewlines)
    {
        foreach (var c in text)
        {
            if (c != '\t' && !(c == '\n' && keepNewlines) && IsInvisible(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsInvisible(char c) =>
        char.IsControl(c)
        // Bidirectional overrides and isolates can make text display differently from its bytes.
        || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';

    // CSI sequences (ESC [ … final byte, or the one-char CSI U+009B), OSC sequences ended by BEL or
    // ESC \, and two-char escapes of ESC and one char in @–_.
    [GeneratedRegex(@"(?:\x1B\[|\u009B)[0-?]*[ -/]*[@-~]|\x1B\][^\x07\x1B]*(?:\x07|\x1B\\)?|\x1B[@-Z\\-_]", RegexOptions.CultureInvariant)]
    private static partial Regex EscapeSequence();
}
