using System.Text;

namespace Macha.Core.Notifications;

/// <summary>
/// Makes text from hosts, logs and the model safe for a Markdown message body and a plain title:
/// one line, bounded length, and in the body every ASCII punctuation character backslash-escaped.
/// </summary>
/// <remarks>
/// CommonMark lets any ASCII punctuation be escaped, so escaping all of it, rather than a chosen list,
/// also stops links, autolinks (<c>https\://</c>), HTML tags, entity references and emphasis that a
/// log line could otherwise produce on the phone.
/// </remarks>
public static class MarkdownText
{
    public const int DefaultMaxLength = 300;

    private const char Ellipsis = '…';

    /// <summary>Returns <paramref name="text"/> as one line of at most <paramref name="maxLength"/> characters, escaped for Markdown.</summary>
    public static string Escape(string? text, int maxLength = DefaultMaxLength)
    {
        var line = OneLine(text, maxLength);
        var escaped = new StringBuilder(line.Length + 16);
        foreach (var c in line)
        {
            if (char.IsAscii(c) && (char.IsPunctuation(c) || char.IsSymbol(c)))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    /// <summary>
    /// Returns <paramref name="text"/> as one line of at most <paramref name="maxLength"/> characters:
    /// control characters and line breaks become spaces, runs of white space one space, and a longer
    /// text ends in an ellipsis.
    /// </summary>
    public static string OneLine(string? text, int maxLength = DefaultMaxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var line = new StringBuilder(Math.Min(text.Length, maxLength + 1));
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                pendingSpace = line.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                line.Append(' ');
                pendingSpace = false;
            }

            line.Append(c);
            if (line.Length > maxLength)
            {
                break;
            }
        }

        if (line.Length > maxLength)
        {
            line.Length = maxLength - 1;

            // Never end on half of a surrogate pair, which would be invalid UTF-16 in the JSON.
            if (char.IsHighSurrogate(line[^1]))
            {
                line.Length--;
            }

            line.Append(Ellipsis);
        }

        return line.ToString();
    }
}
