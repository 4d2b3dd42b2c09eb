using System.Text.Json;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Parses the unit list printed by <c>systemctl list-units</c>: the JSON array of systemd 246 and
/// later, or the table that older systemd prints even when asked for JSON.
/// </summary>
/// <remarks>
/// Unit names are kept byte-exact, with systemd's <c>\x2d</c> escapes, template instances
/// (<c>name@instance.service</c>) and the root mount <c>-.mount</c>, because follow-up commands must
/// name the unit exactly as systemd does.
/// </remarks>
internal static class SystemctlUnitsParser
{
    // systemd prints U+25CF before a failed unit, and "*" when the locale is not UTF-8 (LC_ALL=C).
    private static readonly string[] StatusMarkers = ["\u25CF", "*"];

    public static UnitListParseResult Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);

        var start = output.AsSpan().TrimStart();
        if (start.IsEmpty)
        {
            // With --no-legend, systemd too old for JSON prints nothing at all when no unit matches.
            return UnitListParseResult.Success([], UnitListFormat.Text);
        }

        return start[0] == '[' ? ParseJson(output) : ParseTable(output);
    }

    private static UnitListParseResult ParseJson(string output)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(output);
        }
        catch (JsonException ex)
        {
            return UnitListParseResult.Failure($"invalid JSON from systemctl: {ex.Message}", output);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return UnitListParseResult.Failure("systemctl JSON output is not an array", output);
            }

            var units = new List<UnitState>();
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var unit = ReadJsonUnit(element);
                if (unit is null)
                {
                    return UnitListParseResult.Failure(
                        "systemctl JSON output has an element without the unit, load, active and sub strings", output);
                }

                units.Add(unit);
            }

            return UnitListParseResult.Success(units, UnitListFormat.Json);
        }
    }

    private static UnitState? ReadJsonUnit(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var name = ReadString(element, "unit");
        var load = ReadString(element, "load");
        var active = ReadString(element, "active");
        var sub = ReadString(element, "sub");
        if (string.IsNullOrEmpty(name) || load is null || active is null || sub is null)
        {
            return null;
        }

        return new UnitState(name, load, active, sub, MeaningfulDescription(name, ReadString(element, "description")));
    }

    private static string? ReadString(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static UnitListParseResult ParseTable(string output)
    {
        var units = new List<UnitState>();
        var unrecognizedLines = 0;

        foreach (var rawLine in output.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r').Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (IsHeader(line) || IsLegend(line) || IsFooter(line))
            {
                continue;
            }

            var unit = ParseRow(line);
            if (unit is null)
            {
                unrecognizedLines++;
                continue;
            }

            units.Add(unit);
        }

        // Lines that are not units, and no unit at all, mean output this parser does not understand
        // (another language, an error message). Reporting it as "no failed units" would read as a
        // healthy host. Stray lines next to real rows, such as a shell's echo, are ignored.
        if (units.Count == 0 && unrecognizedLines > 0)
        {
            return UnitListParseResult.Failure("systemctl output is neither a JSON array nor a unit table", output);
        }

        return UnitListParseResult.Success(units, UnitListFormat.Text);
    }

    /// <summary>Parses one table row; the description keeps its spaces because only four fields are split off.</summary>
    private static UnitState? ParseRow(string line)
    {
        var rest = line;
        foreach (var marker in StatusMarkers)
        {
            if (rest.StartsWith(marker + " ", StringComparison.Ordinal))
            {
                rest = rest[marker.Length..].TrimStart();
                break;
            }
        }

        var fields = new string[4];
        for (var i = 0; i < fields.Length; i++)
        {
            if (rest.Length == 0)
            {
                return null;
            }

            var end = rest.IndexOfAny([' ', '\t']);
            fields[i] = end < 0 ? rest : rest[..end];
            rest = end < 0 ? string.Empty : rest[end..].TrimStart();
        }

        var (name, load, active, sub) = (fields[0], fields[1], fields[2], fields[3]);
        // A first field without a unit type suffix is a footer, a legend or someone else's text, never a unit.
        if (!SystemdUnitName.HasUnitSuffix(name) || !IsStateWord(load) || !IsStateWord(active) || !IsStateWord(sub))
        {
            return null;
        }

        return new UnitState(name, load, active, sub, MeaningfulDescription(name, rest));
    }

    private static bool IsStateWord(string value) =>
        value.Length > 0 && value.All(c => c is (>= 'a' and <= 'z') or '-');

    private static bool IsHeader(string line) =>
        line.StartsWith("UNIT ", StringComparison.Ordinal) && line.Contains(" LOAD ", StringComparison.Ordinal);

    private static bool IsLegend(string line)
    {
        var equals = line.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 && line[..equals].TrimEnd() is "LOAD" or "ACTIVE" or "SUB" or "JOB";
    }

    private static bool IsFooter(string line) =>
        line.Contains(" loaded units listed", StringComparison.Ordinal)
        || line.Contains(" loaded unit listed", StringComparison.Ordinal)
        || line.StartsWith("To show all installed unit files", StringComparison.Ordinal);

    /// <summary>Returns null when systemd printed the unit's name because the unit has no Description=.</summary>
    private static string? MeaningfulDescription(string name, string? description)
    {
        var trimmed = description?.Trim();
        return string.IsNullOrEmpty(trimmed) || trimmed == name ? null : trimmed;
    }
}

/// <summary>Which form of <c>systemctl list-units</c> output was parsed.</summary>
internal enum UnitListFormat
{
    Json,

    /// <summary>The table, printed by systemd older than about version 246 even with <c>--output=json</c>.</summary>
    Text,
}

/// <summary>The units read from <c>systemctl list-units</c>, or why none could be read.</summary>
/// <param name="Error">Null on success; otherwise why the output could not be parsed.</param>
/// <param name="FirstBytes">Start of the unparsable output, for the collector status.</param>
internal sealed record UnitListParseResult(
    IReadOnlyList<UnitState> Units,
    UnitListFormat Format,
    string? Error,
    string? FirstBytes)
{
    public bool Succeeded => Error is null;

    public static UnitListParseResult Success(IReadOnlyList<UnitState> units, UnitListFormat format) =>
        new(units, format, null, null);

    public static UnitListParseResult Failure(string error, string output) =>
        new([], UnitListFormat.Text, error, CollectorStatus.Excerpt(output));
}
