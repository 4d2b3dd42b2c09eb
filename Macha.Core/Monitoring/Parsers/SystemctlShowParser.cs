using System.Globalization;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Parses the output of <c>systemctl show --property=… -- UNIT…</c>: one block of
/// <c>Name=value</c> lines per unit, blocks separated by a blank line, in the order the units were
/// named.
/// </summary>
/// <remarks>
/// systemctl prints the properties in its own order (a service's own properties before the common
/// unit properties such as Id), not in the order requested, and it omits a property the unit's type
/// lacks. With <c>--property</c> it prints empty values as <c>Name=</c>.
/// </remarks>
internal static class SystemctlShowParser
{
    public static ParseResult<IReadOnlyList<UnitProperties>> Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);

        var blocks = new List<UnitProperties>();
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = output.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                if (current.Count > 0)
                {
                    blocks.Add(new UnitProperties(current));
                    current = new Dictionary<string, string>(StringComparer.Ordinal);
                }

                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? line[..equals] : string.Empty;
            if (!IsPropertyName(name))
            {
                return ParseResult<IReadOnlyList<UnitProperties>>.Failure(
                    $"line {i + 1} of systemctl show output is not a Name=value property: '{CollectorStatus.Excerpt(line)}'");
            }

            if (!current.TryAdd(name, line[(equals + 1)..]))
            {
                return ParseResult<IReadOnlyList<UnitProperties>>.Failure(
                    $"property {name} appears twice in one block of systemctl show output, at line {i + 1}");
            }
        }

        if (current.Count > 0)
        {
            blocks.Add(new UnitProperties(current));
        }

        return ParseResult<IReadOnlyList<UnitProperties>>.Success(blocks);
    }

    // D-Bus property names are CamelCase ASCII, such as NRestarts or ExecMainStatus.
    private static bool IsPropertyName(string name) =>
        name.Length > 0 && char.IsAsciiLetterUpper(name[0]) && name.All(char.IsAsciiLetterOrDigit);
}

/// <summary>The properties <c>systemctl show</c> printed for one unit.</summary>
internal sealed class UnitProperties
{
    private readonly Dictionary<string, string> _values;

    public UnitProperties(IReadOnlyDictionary<string, string> values)
    {
        _values = new Dictionary<string, string>(values, StringComparer.Ordinal);
    }

    public string? Id => Text("Id");

    /// <summary>Returns the value, or null when the property is absent or empty.</summary>
    public string? Text(string name) =>
        _values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>
    /// Returns a wall-clock timestamp as systemd printed it, such as "Thu 2026-12-03 10:00:01 UTC",
    /// or null when the property is absent, empty or "n/a" (older systemd's word for never).
    /// </summary>
    public string? Timestamp(string name) => Text(name) is { } value && value != "n/a" ? value : null;

    /// <summary>
    /// Reads an integer property. Returns false only when the property is present with a value that
    /// is not an integer; an absent or empty property reads as null.
    /// </summary>
    public bool TryGetInteger(string name, out long? value)
    {
        value = null;
        if (Text(name) is not { } text)
        {
            return true;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary>
    /// Reads a monotonic timestamp, in microseconds since boot, as a duration since boot. Zero, which
    /// systemd prints when the event never happened, reads as null. Returns false only when the value
    /// is present but not a count of microseconds.
    /// </summary>
    public bool TryGetSinceBoot(string name, out TimeSpan? sinceBoot)
    {
        sinceBoot = null;
        if (Text(name) is not { } text)
        {
            return true;
        }

        // TimeSpan.MaxValue is about 29,000 years, far above any real uptime.
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds)
            || microseconds > (ulong)(TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMicrosecond))
        {
            return false;
        }

        sinceBoot = microseconds == 0 ? null : TimeSpan.FromTicks((long)microseconds * TimeSpan.TicksPerMicrosecond);
        return true;
    }

    /// <summary>Returns the raw value of a property for a problem message, or null when absent.</summary>
    public string? Raw(string name) => _values.GetValueOrDefault(name);
}
