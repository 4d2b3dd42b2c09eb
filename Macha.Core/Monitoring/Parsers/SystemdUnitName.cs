namespace Macha.Core.Monitoring.Parsers;

/// <summary>Checks unit names read from a host before they are passed back to systemctl as arguments.</summary>
internal static class SystemdUnitName
{
    // UNIT_NAME_MAX in systemd's unit-name.h, counting the terminating NUL.
    private const int MaxLength = 255;

    // Unit types from systemd.unit(5).
    private static readonly string[] UnitSuffixes =
    [
        ".service", ".socket", ".device", ".mount", ".automount", ".swap",
        ".target", ".path", ".timer", ".slice", ".scope",
    ];

    /// <summary>
    /// Returns whether <paramref name="name"/> is a unit name as systemd writes it: letters, digits and
    /// <c>: - _ . \ @</c> only, with a unit type suffix. Escaped names such as
    /// <c>dev-disk-by\x2duuid-1234.device</c>, template instances and <c>-.mount</c> pass; anything
    /// with whitespace, quotes, slashes or control characters does not.
    /// </summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !HasUnitSuffix(name))
        {
            return false;
        }

        return name.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '_' or '.' or '\\' or '@');
    }

    public static bool HasUnitSuffix(string name) =>
        UnitSuffixes.Any(suffix => name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal))
        || name == "-.mount";
}
