using Macha.Core.Monitoring.Parsers;
using Microsoft.Extensions.Options;

namespace Macha.Core.Actions;

/// <summary>
/// The units Macha never changes, at any autonomy level and with or without approval: remote access,
/// networking and name resolution, systemd's own units, dbus, and Macha with what it depends on.
/// Options add names and '*' patterns to the built-in list, and no option can remove a built-in entry.
/// </summary>
public sealed class ProtectedTargets
{
    /// <summary>
    /// The built-in entries. Names without '*' match exactly; "systemd-*" and "dbus*" cover every unit
    /// whose name starts with those letters, including the journald sockets and dbus aliases.
    /// </summary>
    public static IReadOnlyList<string> BuiltIn { get; } =
    [
        "sshd.service", "ssh.service", "ssh.socket", "sshd.socket", "sshd@.service", "ssh@.service",
        "NetworkManager.service", "systemd-networkd.service", "systemd-resolved.service", "wpa_supplicant.service",
        "dbus.service", "dbus-broker.service", "dbus.socket",
        "systemd-journald.service", "systemd-journald.socket", "systemd-journald-dev-log.socket", "systemd-journald-audit.socket",
        "systemd-logind.service", "systemd-udevd.service", "systemd-timesyncd.service",
        "systemd-*", "dbus*",
        "init.scope", "-.mount", "-.slice",
        "macha.service", "macha-autonomous.service", "ollama.service", "chromadb.service", "gotify-server.service",
    ];

    private readonly Entry[] entries;

    public ProtectedTargets(IOptions<ActionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);

        entries =
        [
            .. BuiltIn.Select(name => new Entry(Normalize(name), "built-in entry")),
            .. options.Value.ProtectedUnits
                .Where(name => !string.IsNullOrWhiteSpace(name))
                .Select(name => new Entry(Normalize(name.Trim()), $"entry in {ActionOptions.SectionName}:{nameof(ActionOptions.ProtectedUnits)}")),
        ];
    }

    /// <summary>
    /// Returns why <paramref name="unit"/> is protected, for the audit log, or null when it is not. A name
    /// without a type suffix is read as its .service unit, and a template instance such as
    /// <c>getty@tty1.service</c> is protected when either it or its template <c>getty@.service</c> is.
    /// Names compare without case, so a differently written name is refused rather than let through.
    /// </summary>
    public string? GetRefusalReason(string unit)
    {
        ArgumentNullException.ThrowIfNull(unit);

        var name = Normalize(unit);
        var template = TemplateOf(name);
        foreach (var entry in entries)
        {
            if (entry.Matches(name) || (template is not null && entry.Matches(template)))
            {
                return $"{name} is a protected unit (matched by the {entry.Source} '{entry.Pattern}'); Macha never acts on it, with or without approval.";
            }
        }

        return null;
    }

    public bool IsProtected(string unit) => GetRefusalReason(unit) is not null;

    private static string Normalize(string name) =>
        name.Contains('*', StringComparison.Ordinal) || SystemdUnitName.HasUnitSuffix(name) ? name : name + ".service";

    // Turns "getty@tty1.service" into "getty@.service". A name without an instance has no template.
    private static string? TemplateOf(string name)
    {
        var at = name.IndexOf('@', StringComparison.Ordinal);
        var suffixStart = name.LastIndexOf('.');
        return at > 0 && suffixStart > at + 1 ? name[..(at + 1)] + name[suffixStart..] : null;
    }

    private sealed record Entry(string Pattern, string Source)
    {
        public bool Matches(string name) =>
            Pattern.Contains('*', StringComparison.Ordinal)
                ? WildcardMatches(Pattern, name)
                : string.Equals(Pattern, name, StringComparison.OrdinalIgnoreCase);

        // Matches '*' against any run of characters, including none, by backtracking to the last '*'.
        private static bool WildcardMatches(string pattern, string name)
        {
            int p = 0, n = 0, starAt = -1, resumeAt = 0;
            while (n < name.Length)
            {
                if (p < pattern.Length && pattern[p] == '*')
                {
                    starAt = p++;
                    resumeAt = n;
                }
                else if (p < pattern.Length && char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(name[n]))
                {
                    p++;
                    n++;
                }
                else if (starAt >= 0)
                {
                    p = starAt + 1;
                    n = ++resumeAt;
                }
                else
                {
                    return false;
                }
            }

            while (p < pattern.Length && pattern[p] == '*')
            {
                p++;
            }

            return p == pattern.Length;
        }
    }
}
