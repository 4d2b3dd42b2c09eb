using System.Text;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>One mount from the kernel's mount table, with octal escapes decoded.</summary>
internal sealed record MountEntry(string Source, string MountPoint, string FilesystemType);

/// <summary>The mounts read, and the lines that could not be read as mounts.</summary>
internal sealed record MountTable(IReadOnlyList<MountEntry> Mounts, IReadOnlyList<string> UnparsedLines);

/// <summary>Reads <c>/proc/self/mountinfo</c> or, on kernels without it, <c>/proc/mounts</c>.</summary>
/// <remarks>
/// Never throws. Per proc_pid_mountinfo(5), a mountinfo line is "ID PARENT MAJ:MIN ROOT MOUNTPOINT
/// OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS", and the number of optional fields varies, so
/// the type and source are found after the lone "-". A /proc/mounts line is "SOURCE MOUNTPOINT FSTYPE
/// OPTIONS 0 0". The kernel writes a space, tab, newline and backslash in paths as \040, \011, \012
/// and \134.
/// </remarks>
internal static class MountTableParser
{
    private const int MountInfoMountPointIndex = 4;
    private const int MountInfoFirstOptionalIndex = 6;

    public static MountTable ParseMountInfo(string text) => Parse(text, TryReadMountInfoLine);

    public static MountTable ParseMounts(string text) => Parse(text, TryReadMountsLine);

    /// <summary>Decodes the three-digit octal escapes of the mount table, such as "\040" for a space.</summary>
    public static string DecodeOctalEscapes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var decoded = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 3 < text.Length
                && IsOctalDigit(text[i + 1]) && IsOctalDigit(text[i + 2]) && IsOctalDigit(text[i + 3]))
            {
                var value = ((text[i + 1] - '0') * 64) + ((text[i + 2] - '0') * 8) + (text[i + 3] - '0');
                if (value <= 0xFF)
                {
                    decoded.Append((char)value);
                    i += 3;
                    continue;
                }
            }

            decoded.Append(text[i]);
        }

        return decoded.ToString();
    }

    private static MountTable Parse(string text, TryReadLine tryRead)
    {
        ArgumentNullException.ThrowIfNull(text);

        var mounts = new List<MountEntry>();
        var unparsed = new List<string>();
        foreach (var rawLine in text.Split('\n'))
        {
            if (string.IsNullOrWhiteSpace(rawLine))
            {
                continue;
            }

            var fields = rawLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tryRead(fields) is { } mount)
            {
                mounts.Add(mount);
            }
            else
            {
                unparsed.Add(rawLine);
            }
        }

        return new MountTable(mounts, unparsed);
    }

    private static MountEntry? TryReadMountInfoLine(string[] fields)
    {
        if (fields.Length <= MountInfoFirstOptionalIndex)
        {
            return null;
        }

        var separator = Array.IndexOf(fields, "-", MountInfoFirstOptionalIndex);
        if (separator < 0 || separator + 1 >= fields.Length)
        {
            return null;
        }

        var mountPoint = fields[MountInfoMountPointIndex];
        if (!mountPoint.StartsWith('/'))
        {
            return null;
        }

        var type = fields[separator + 1];
        var source = separator + 2 < fields.Length ? fields[separator + 2] : "none";
        return new MountEntry(DecodeOctalEscapes(source), DecodeOctalEscapes(mountPoint), DecodeOctalEscapes(type));
    }

    private static MountEntry? TryReadMountsLine(string[] fields)
    {
        if (fields.Length < 3 || !fields[1].StartsWith('/'))
        {
            return null;
        }

        return new MountEntry(DecodeOctalEscapes(fields[0]), DecodeOctalEscapes(fields[1]), DecodeOctalEscapes(fields[2]));
    }

    private static bool IsOctalDigit(char c) => c is >= '0' and <= '7';

    private delegate MountEntry? TryReadLine(string[] fields);
}
