using System.Globalization;
using System.Text;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>What the number columns of a df table count.</summary>
internal enum DfQuantity
{
    /// <summary>Space; <see cref="DfRow"/> values are in bytes.</summary>
    Bytes,

    /// <summary>Inodes, from <c>df -i</c>; <see cref="DfRow"/> values are counts.</summary>
    Inodes,
}

/// <summary>One filesystem line of df output.</summary>
/// <param name="FilesystemType">Null when the output has no Type column.</param>
/// <param name="Total">Size in bytes, or the inode count. Null for inodes when the filesystem reports
/// none (vfat, btrfs print 0 inodes). Never null for space.</param>
/// <param name="UsedPercent">The percentage df printed; null when it printed "-".</param>
internal sealed record DfRow(
    string Source,
    string? FilesystemType,
    string MountPoint,
    long? Total,
    long? Used,
    long? Available,
    int? UsedPercent);

/// <summary>The rows df printed, and the lines that could not be read as rows.</summary>
/// <param name="HeaderRecognized">False when the first line is not a df header; then every line is unparsed.</param>
internal sealed record DfTable(
    DfQuantity Quantity,
    bool HeaderRecognized,
    IReadOnlyList<DfRow> Rows,
    IReadOnlyList<string> UnparsedLines);

/// <summary>
/// Reads df output: POSIX <c>df -P</c> with or without a Type column, <c>df -P -i</c>, and for
/// recorded or foreign hosts also plain <c>df</c>, <c>df -h</c> and <c>df -ih</c>.
/// </summary>
/// <remarks>
/// Never throws. Plain df (older coreutils, some BusyBox builds) prints a source longer than its
/// column on a line of its own and the numbers on the next, indented line. A line with a single field
/// is therefore joined with the line after it. Human-readable sizes ("1.7G") are read with powers of
/// 1024, as df -h prints them, and so are only as exact as df rounded them.
/// </remarks>
internal static class DfParser
{
    private static readonly string[] HumanSuffixes = ["K", "M", "G", "T", "P", "E"];

    public static DfTable Parse(string output)
    {
        var lines = output.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Where(line => !string.IsNullOrWhiteSpace(line))
            .ToList();
        if (lines.Count == 0)
        {
            return new DfTable(DfQuantity.Bytes, false, [], []);
        }

        if (!TryReadHeader(lines[0], out var layout))
        {
            return new DfTable(DfQuantity.Bytes, false, [], lines);
        }

        var rows = new List<DfRow>();
        var unparsed = new List<string>();
        string? pendingLine = null;
        foreach (var line in lines.Skip(1))
        {
            var tokens = Tokenize(line);
            if (tokens.Count == 1)
            {
                if (pendingLine is not null)
                {
                    unparsed.Add(pendingLine);
                }

                pendingLine = line;
                continue;
            }

            if (pendingLine is not null)
            {
                var joined = tokens.Prepend(new Token(pendingLine.Trim(), -1)).ToList();
                if (TryReadRow(line, joined, layout, out var wrappedRow))
                {
                    rows.Add(wrappedRow);
                    pendingLine = null;
                    continue;
                }

                // The lone field was not a wrapped source; this line may still be a row of its own.
                unparsed.Add(pendingLine);
                pendingLine = null;
            }

            if (TryReadRow(line, tokens, layout, out var row))
            {
                rows.Add(row);
            }
            else
            {
                unparsed.Add(line);
            }
        }

        if (pendingLine is not null)
        {
            unparsed.Add(pendingLine);
        }

        return new DfTable(layout.Quantity, true, rows, unparsed);
    }

    /// <summary>
    /// Reads a header such as "Filesystem Type 1024-blocks Used Available Capacity Mounted on" or
    /// "Filesystem Inodes IUsed IFree IUse% Mounted on". Only the first columns decide the layout.
    /// </summary>
    private static bool TryReadHeader(string line, out Layout layout)
    {
        layout = default;
        var tokens = Tokenize(line);
        if (tokens.Count < 3 || !tokens[0].Text.Equals("Filesystem", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var hasType = tokens[1].Text.Equals("Type", StringComparison.OrdinalIgnoreCase);
        var sizeColumn = tokens[hasType ? 2 : 1].Text;
        if (sizeColumn.Equals("Inodes", StringComparison.OrdinalIgnoreCase))
        {
            layout = new Layout(hasType, DfQuantity.Inodes, 1, HumanReadable: true);
            return true;
        }

        if (sizeColumn.Equals("Size", StringComparison.OrdinalIgnoreCase))
        {
            layout = new Layout(hasType, DfQuantity.Bytes, 1, HumanReadable: true);
            return true;
        }

        if (TryReadBlockSize(sizeColumn, out var blockBytes))
        {
            layout = new Layout(hasType, DfQuantity.Bytes, blockBytes, HumanReadable: false);
            return true;
        }

        return false;
    }

    /// <summary>Reads a block size column title such as "1024-blocks", "1K-blocks" or "512-blocks".</summary>
    private static bool TryReadBlockSize(string column, out long blockBytes)
    {
        blockBytes = 0;
        if (!column.EndsWith("-blocks", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var size = column[..^"-blocks".Length];
        var digitCount = size.TakeWhile(char.IsAsciiDigit).Count();
        if (digitCount == 0 || !long.TryParse(size[..digitCount], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var suffix = size[digitCount..].TrimEnd('B');
        var power = suffix.Length == 0 ? 0 : Array.IndexOf(HumanSuffixes, suffix.ToUpperInvariant()) + 1;
        if (power == 0 && suffix.Length > 0)
        {
            return false;
        }

        blockBytes = number;
        for (var i = 0; i < power; i++)
        {
            if (blockBytes > long.MaxValue / 1024)
            {
                return false;
            }

            blockBytes *= 1024;
        }

        return blockBytes > 0;
    }

    private static bool TryReadRow(string line, List<Token> tokens, Layout layout, out DfRow row)
    {
        row = null!;
        var firstNumber = layout.HasType ? 2 : 1;
        var percentIndex = firstNumber + 3;
        if (tokens.Count <= percentIndex + 1)
        {
            return false;
        }

        var total = ReadQuantity(tokens[firstNumber].Text, layout);
        var used = ReadQuantity(tokens[firstNumber + 1].Text, layout);
        var available = ReadQuantity(tokens[firstNumber + 2].Text, layout);
        if (total is null || used is null || available is null || !TryReadPercent(tokens[percentIndex].Text, out var percent))
        {
            return false;
        }

        // The mount point is the rest of the line, so one that contains spaces stays whole.
        var mountToken = tokens[percentIndex + 1];
        var mountPoint = DecodeOctalEscapes(line[mountToken.Start..].Trim());
        var source = DecodeOctalEscapes(tokens[0].Text);
        var type = layout.HasType ? tokens[1].Text : null;

        if (layout.Quantity == DfQuantity.Inodes && total == 0)
        {
            row = new DfRow(source, type, mountPoint, null, null, null, percent);
        }
        else
        {
            row = new DfRow(source, type, mountPoint, total, used, available, percent);
        }

        return true;
    }

    /// <summary>Reads a count of blocks or inodes, or a human-readable size; null when it is neither.</summary>
    private static long? ReadQuantity(string text, Layout layout)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            return count <= long.MaxValue / layout.UnitBytes ? count * layout.UnitBytes : null;
        }

        if (!layout.HumanReadable || text.Length < 2)
        {
            return null;
        }

        var power = Array.IndexOf(HumanSuffixes, text[^1..]) + 1;
        if (power == 0
            || !decimal.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        var bytes = (double)value * Math.Pow(1024, power);
        return bytes < long.MaxValue ? (long)Math.Round(bytes) : null;
    }

    private static bool TryReadPercent(string text, out int? percent)
    {
        percent = null;
        if (text == "-")
        {
            return true;
        }

        if (text.Length < 2 || text[^1] != '%'
            || !int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        percent = value;
        return true;
    }

    /// <summary>
    /// Decodes the octal escapes that the kernel's mount tables use for whitespace and backslashes,
    /// such as "\040" for a space. A df that reads those tables without decoding prints them as is.
    /// </summary>
    private static string DecodeOctalEscapes(string text)
    {
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var decoded = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 3 < text.Length && IsOctalDigit(text[i + 1]) && IsOctalDigit(text[i + 2]) && IsOctalDigit(text[i + 3]))
            {
                decoded.Append((char)(((text[i + 1] - '0') * 64) + ((text[i + 2] - '0') * 8) + (text[i + 3] - '0')));
                i += 3;
            }
            else
            {
                decoded.Append(text[i]);
            }
        }

        return decoded.ToString();
    }

    private static bool IsOctalDigit(char c) => c is >= '0' and <= '7';

    /// <summary>Splits a line at spaces and tabs, keeping where each field starts.</summary>
    private static List<Token> Tokenize(string line)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] is ' ' or '\t')
            {
                i++;
            }

            var start = i;
            while (i < line.Length && line[i] is not (' ' or '\t'))
            {
                i++;
            }

            if (i > start)
            {
                tokens.Add(new Token(line[start..i], start));
            }
        }

        return tokens;
    }

    private readonly record struct Layout(bool HasType, DfQuantity Quantity, long UnitBytes, bool HumanReadable);

    /// <summary>A field of a line and its offset in that line; -1 for a field joined from a wrapped line.</summary>
    private readonly record struct Token(string Text, int Start);
}
