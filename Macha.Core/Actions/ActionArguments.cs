using System.Text.RegularExpressions;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Actions;

/// <summary>
/// Checks for every value an action request carries. Each check returns null for a valid value, or an
/// error that names the field and the value found. Request constructors and
/// <see cref="ActionRequestFactory"/> both call them, so a request can never hold an unchecked value.
/// </summary>
internal static partial class ActionArguments
{
    public const int MaxTextLength = 4000;
    public const int MinGarbageAgeDays = 1;
    public const int MaxGarbageAgeDays = 3650;
    private const int MaxHostNameLength = 253;
    private const int MaxFlakePathLength = 200;

    // systemctl restart works on these types. Restarting a slice or a target stops or starts every unit
    // in it, and scopes and devices cannot be restarted, so those are rejected before they reach a host.
    private static readonly string[] RestartableSuffixes = [".service", ".socket", ".timer", ".path"];

    public static string? CheckHostName(string? hostName)
    {
        if (string.IsNullOrEmpty(hostName) || hostName.Length > MaxHostNameLength
            || hostName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return $"host name must be 1 to {MaxHostNameLength} characters without spaces or control characters; got {Quote(hostName)}.";
        }

        return null;
    }

    public static string? CheckIncidentId(Guid incidentId) =>
        incidentId == Guid.Empty ? "incident id must not be empty." : null;

    public static string? CheckText(string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return $"{field} is missing or empty.";
        }

        return text.Length > MaxTextLength ? $"{field} has {text.Length} characters; the limit is {MaxTextLength}." : null;
    }

    /// <summary>
    /// Checks a unit name by systemd's naming rules, and rejects what is valid for systemd but unsafe or
    /// meaningless as an argument: a leading '-' (read as an option by some tools), a leading '.', and a
    /// template without an instance such as <c>getty@.service</c>.
    /// </summary>
    /// <param name="restartable">Whether the unit must also be of a type that systemctl restart accepts safely.</param>
    public static string? CheckUnit(string? unit, bool restartable)
    {
        if (unit is null || !SystemdUnitName.IsValid(unit))
        {
            return $"unit must be a systemd unit name with its type suffix, such as \"nginx.service\", using only letters, digits and : - _ . \\ @; got {Quote(unit)}.";
        }

        if (unit[0] is '-' or '.')
        {
            return $"unit must not start with '-' or '.'; got {Quote(unit)}.";
        }

        var suffixStart = unit.LastIndexOf('.');
        var at = unit.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0 && (at == 0 || at != unit.LastIndexOf('@') || at == suffixStart - 1))
        {
            return $"unit must be a plain unit or a template instance such as \"getty@tty1.service\", not a template or a name with several '@'; got {Quote(unit)}.";
        }

        var suffix = unit[suffixStart..];
        if (restartable && !RestartableSuffixes.Contains(suffix, StringComparer.Ordinal))
        {
            return $"unit of type {suffix} cannot be restarted by Macha; only {string.Join(", ", RestartableSuffixes)} units can; got {Quote(unit)}.";
        }

        return null;
    }

    /// <summary>
    /// Checks a flake reference of the form <c>/absolute/path#configuration</c>. Remote references such as
    /// <c>github:owner/repo#host</c> are rejected: switching to a configuration fetched from an address the
    /// model chose would run code that no operator has read.
    /// </summary>
    public static string? CheckFlakeRef(string? flakeRef)
    {
        var match = flakeRef is null ? Match.Empty : LocalFlakeReference().Match(flakeRef);
        if (!match.Success || match.Groups["path"].Length > MaxFlakePathLength)
        {
            return $"flake reference must be an absolute local path and a configuration name, such as \"/etc/nixos#web-1\", without spaces, shell characters or a remote scheme; got {Quote(flakeRef)}.";
        }

        var segments = match.Groups["path"].Value.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(segment => segment is "." or ".."))
        {
            return $"flake reference must not contain '.' or '..' path segments; got {Quote(flakeRef)}.";
        }

        return null;
    }

    public static string? CheckGarbageAge(int? olderThanDays)
    {
        if (olderThanDays is not (>= MinGarbageAgeDays and <= MaxGarbageAgeDays))
        {
            var found = olderThanDays?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing";
            return $"older than days must be a whole number from {MinGarbageAgeDays} to {MaxGarbageAgeDays}; got {found}.";
        }

        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with <paramref name="error"/> unless it is null.</summary>
    public static void ThrowIfInvalid(string? error, string parameterName)
    {
        if (error is not null)
        {
            throw new ArgumentException(error, parameterName);
        }
    }

    public static string Quote(string? value) => value is null ? "nothing" : $"\"{CollectorStatus.Excerpt(value)}\"";

    // Path segments of letters, digits and _ . + -, then '#' and a configuration name that starts with a
    // letter, digit or '_'. No other character can appear, so nothing here is special to a shell.
    [GeneratedRegex(@"^(?<path>(?:/[A-Za-z0-9_.+-]+)+)#[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalFlakeReference();
}
