using System.Globalization;
using System.Text;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>One line of <c>ps -eo pid=,user:32=,pcpu=,rss=,stat=,comm=</c>.</summary>
/// <param name="User">User name, or the numeric uid when it has none; cleaned for display.</param>
/// <param name="Name">Command name, cleaned for display; empty when the process set a blank name.</param>
/// <param name="CpuPercent">ps's %CPU, averaged over the process's lifetime.</param>
internal sealed record PsRow(int ProcessId, string User, double CpuPercent, long ResidentBytes, string State, string Name);

/// <summary>The rows ps printed, and the lines that could not be read as rows.</summary>
internal sealed record PsTable(IReadOnlyList<PsRow> Rows, IReadOnlyList<string> UnparsedLines);

/// <summary>Reads the header-less output of procps ps with the pid, user, pcpu, rss, stat and comm columns.</summary>
/// <remarks>
/// Never throws. The command name is the rest of the line after the fifth field, because names can
/// contain spaces ("Web Content", "tmux: server"). Names and users come from the host, so control
/// characters and bidirectional overrides are replaced and both are cut to a maximum length.
/// </remarks>
internal static class PsOutputParser
{
    /// <summary>Maximum length of a kept process name, in UTF-16 chars; Linux itself keeps 15 bytes.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Maximum length of a kept user name, matching the user:32 column width.</summary>
    public const int MaxUserLength = 32;

    private const int FieldsBeforeName = 5;

    public static PsTable Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);

        var rows = new List<PsRow>();
        var unparsed = new List<string>();
        foreach (var rawLine in output.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (TryReadRow(line, out var row))
            {
                rows.Add(row);
            }
            else
            {
                unparsed.Add(line);
            }
        }

        return new PsTable(rows, unparsed);
    }

    /// <summary>
    /// Replaces control characters and bidirectional overrides with '?' and cuts the text to
    /// <paramref name="maxLength"/> chars, ending a cut text with '…'.
    /// </summary>
    public static string Clean(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);

        var builder = new StringBuilder(Math.Min(text.Length, maxLength + 1));
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' ? '?' : c);
        }

        if (builder.Length <= maxLength)
        {
            return builder.ToString();
        }

        var end = maxLength - 1;
        if (char.IsHighSurrogate(builder[end - 1]))
        {
            end--;
        }

        return builder.ToString(0, end) + "…";
    }

    private static bool TryReadRow(string line, out PsRow row)
    {
        row = null!;
        var fields = new string[FieldsBeforeName];
        var position = 0;
        for (var i = 0; i < FieldsBeforeName; i++)
        {
            while (position < line.Length && line[position] is ' ' or '\t')
            {
                position++;
            }

            var start = position;
            while (position < line.Length && line[position] is not (' ' or '\t'))
            {
                position++;
            }

            if (position == start)
            {
                return false;
            }

            fields[i] = line[start..position];
        }

        if (!int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var processId)
            || processId <= 0
            || !double.TryParse(fields[2], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cpuPercent)
            || !long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var residentKibibytes)
            || residentKibibytes > long.MaxValue / 1024
            || !char.IsAsciiLetter(fields[4][0]))
        {
            return false;
        }

        // One separator follows the state; anything after it, spaces included, is the name.
        var name = position < line.Length ? line[(position + 1)..].Trim() : string.Empty;
        row = new PsRow(
            processId,
            Clean(fields[1], MaxUserLength),
            cpuPercent,
            residentKibibytes * 1024,
            Clean(fields[4], 8),
            Clean(name, MaxNameLength));
        return true;
    }
}
