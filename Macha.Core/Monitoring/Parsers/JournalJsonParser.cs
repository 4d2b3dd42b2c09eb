using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Parses <c>journalctl -o json</c> output, one JSON object per line, into sanitized entries.
/// </summary>
/// <remarks>
/// journalctl writes a field as a string; as an array of byte values when the value is not
/// printable UTF-8 (ESC, CR, BEL, invalid bytes); as null when the value is too large and
/// <c>--all</c> was not given; and as an array of those when the entry has the field more than
/// once. With systemd 252 a 5,000-byte MESSAGE came out as null. Every field is read with all four
/// forms in mind. A line that is not a JSON object is skipped and counted, never thrown.
/// </remarks>
internal static class JournalJsonParser
{
    /// <summary>Message text of an entry whose MESSAGE journalctl replaced by null.</summary>
    public const string OmittedMessage = "[message not stored: too large for journalctl's JSON output without --all]";

    public const string EmptyMessage = "[empty message]";

    /// <summary>Parses up to <paramref name="maxEntries"/> entries; later lines are left for the next cycle.</summary>
    public static JournalParseResult Parse(string output, int maxEntries)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntries);

        var entries = new List<JournalEntry>();
        var skippedLines = 0;
        var moreAvailable = false;

        foreach (var rawLine in output.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (entries.Count == maxEntries)
            {
                moreAvailable = true;
                break;
            }

            var entry = ParseLine(line);
            if (entry is null)
            {
                skippedLines++;
                continue;
            }

            entries.Add(entry);
        }

        return new JournalParseResult(entries, skippedLines, moreAvailable);
    }

    /// <summary>Parses one line; returns null when it is not a JSON object.</summary>
    public static JournalEntry? ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return new JournalEntry(
                Cursor: ReadField(root, "__CURSOR"),
                Timestamp: ReadTimestamp(root),
                Priority: ReadPriority(root),
                Unit: ReadName(root, "_SYSTEMD_UNIT") ?? ReadName(root, "UNIT"),
                Identifier: ReadName(root, "SYSLOG_IDENTIFIER") ?? ReadName(root, "_COMM"),
                Message: ReadMessage(root),
                Transport: ReadName(root, "_TRANSPORT"),
                ReferencedUnit: ReadName(root, "UNIT"),
                CoreDump: ReadCoreDump(root));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string ReadMessage(JsonElement root)
    {
        if (!root.TryGetProperty("MESSAGE", out var value))
        {
            return EmptyMessage;
        }

        var text = ReadValue(value);
        if (text is null)
        {
            return OmittedMessage;
        }

        var sanitized = LogTextSanitizer.Sanitize(text);
        return sanitized.Length == 0 ? EmptyMessage : sanitized;
    }

    /// <summary>
    /// Reads a unit name or identifier. Sanitizing removes only control characters and escape
    /// sequences, so systemd's literal "\x2d" escapes in unit names stay as they are.
    /// </summary>
    private static string? ReadName(JsonElement root, string field)
    {
        var value = ReadField(root, field);
        if (value is null)
        {
            return null;
        }

        var sanitized = LogTextSanitizer.Sanitize(value);
        return sanitized.Length == 0 ? null : sanitized;
    }

    /// <summary>Reads the COREDUMP_* fields that systemd-coredump adds; null when the entry has none of them.</summary>
    private static CoreDumpFields? ReadCoreDump(JsonElement root)
    {
        var comm = ReadName(root, "COREDUMP_COMM");
        var executable = ReadName(root, "COREDUMP_EXE");
        var signalName = ReadName(root, "COREDUMP_SIGNAL_NAME");
        var unit = ReadName(root, "COREDUMP_UNIT");
        var processId = int.TryParse(ReadField(root, "COREDUMP_PID"), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : (int?)null;

        return comm is null && executable is null && signalName is null && unit is null && processId is null
            ? null
            : new CoreDumpFields(processId, comm, executable, signalName, unit);
    }

    private static int? ReadPriority(JsonElement root)
    {
        var text = ReadField(root, "PRIORITY");
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var priority) && priority <= 7
            ? priority
            : null;
    }

    private static DateTimeOffset? ReadTimestamp(JsonElement root)
    {
        var text = ReadField(root, "__REALTIME_TIMESTAMP");
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds)
            || microseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() * 1000)
        {
            return null;
        }

        return DateTimeOffset.UnixEpoch.AddTicks(microseconds * (TimeSpan.TicksPerMillisecond / 1000));
    }

    private static string? ReadField(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? ReadValue(value) : null;

    /// <summary>
    /// Reads a field in any of journalctl's forms. A field that occurs more than once yields its
    /// first value. Null means that journalctl omitted the value or that it has an unknown form.
    /// </summary>
    private static string? ReadValue(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Number:
                return value.GetRawText();
            case JsonValueKind.Array when IsByteArray(value):
                return DecodeBytes(value);
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    var text = ReadValue(item);
                    if (text is not null)
                    {
                        return text;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool IsByteArray(JsonElement array)
    {
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetByte(out _))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Decodes byte values as UTF-8, replacing invalid sequences with U+FFFD.</summary>
    private static string DecodeBytes(JsonElement array)
    {
        var bytes = new byte[array.GetArrayLength()];
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            bytes[index++] = item.GetByte();
        }

        return Encoding.UTF8.GetString(bytes);
    }
}

/// <summary>One journal entry with its text sanitized.</summary>
/// <param name="Timestamp">From __REALTIME_TIMESTAMP (microseconds since the Unix epoch); null when missing or invalid.</param>
/// <param name="Priority">Syslog priority, 0 (emerg) to 7 (debug); null when missing or invalid.</param>
/// <param name="Unit">The unit the entry came from (_SYSTEMD_UNIT), or the unit it is about (UNIT) when it came from no unit.</param>
/// <param name="Identifier">SYSLOG_IDENTIFIER, or the process name (_COMM) when there is none.</param>
/// <param name="Transport">_TRANSPORT, set by journald itself: "kernel" for kernel messages, which no user process can write.</param>
/// <param name="ReferencedUnit">UNIT, the unit a message of the service manager is about.</param>
/// <param name="CoreDump">The COREDUMP_* fields of a systemd-coredump entry.</param>
internal sealed record JournalEntry(
    string? Cursor,
    DateTimeOffset? Timestamp,
    int? Priority,
    string? Unit,
    string? Identifier,
    string Message,
    string? Transport = null,
    string? ReferencedUnit = null,
    CoreDumpFields? CoreDump = null);

/// <summary>Fields systemd-coredump records about a crashed process; each is null when absent.</summary>
internal sealed record CoreDumpFields(
    int? ProcessId,
    string? ProcessName,
    string? Executable,
    string? SignalName,
    string? Unit);

/// <summary>The entries read from one journalctl run.</summary>
/// <param name="SkippedLines">Lines that were not JSON objects, including a last line cut by the output cap.</param>
/// <param name="MoreAvailable">True when entries beyond the maximum were left unread.</param>
internal sealed record JournalParseResult(
    IReadOnlyList<JournalEntry> Entries,
    int SkippedLines,
    bool MoreAvailable);
