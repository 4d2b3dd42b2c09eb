using System.Globalization;
using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Reports a unit, or a syslog identifier outside any unit, that logged many errors in one cycle:
/// one finding per source with the count, however many lines it logged.
/// </summary>
internal sealed class JournalDetector : IDetector
{
    // Lowest syslog priority number is the most severe: 0 emerg, 1 alert, 2 crit, 3 err.
    private const int CriticalPriority = 2;
    private const string UnknownSource = "unknown";

    private readonly IOptionsMonitor<DetectionOptions> _options;

    public JournalDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        if (current.Journal is null)
        {
            return [];
        }

        var threshold = _options.CurrentValue.JournalErrorBurstCount;
        var findings = new List<Finding>();

        // The collector groups by unit and identifier, so one unit can arrive as several groups, one
        // per identifier. They are merged because they share one fingerprint and the threshold applies
        // to the unit's total.
        foreach (var source in current.Journal.Groups.GroupBy(SubjectOf, StringComparer.Ordinal))
        {
            var count = source.Sum(group => group.Count);
            if (count < threshold)
            {
                continue;
            }

            var worstPriority = source.Min(group => group.Priority);
            var identifiers = source.Select(group => group.Identifier).OfType<string>().Distinct(StringComparer.Ordinal);

            // Sample lines stay in the snapshot: a log line can carry a token or a password, and
            // evidence travels into notifications.
            findings.Add(new Finding(
                current.HostName,
                FindingKind.JournalErrorBurst,
                source.Key,
                worstPriority <= CriticalPriority ? Severity.Critical : Severity.Warning,
                $"{source.Key} logged {count} errors since the last check.",
                new EvidenceText()
                    .Add("count", count)
                    .Add("worst_priority", worstPriority)
                    .Add("identifiers", string.Join(',', identifiers))
                    .Add("first_seen", source.Min(group => group.FirstSeen).ToString("O", CultureInfo.InvariantCulture))
                    .Add("last_seen", source.Max(group => group.LastSeen).ToString("O", CultureInfo.InvariantCulture))
                    .Add("threshold", threshold)
                    .ToString()));
        }

        return findings;
    }

    private static string SubjectOf(JournalErrorGroup group) =>
        !string.IsNullOrEmpty(group.Unit) ? group.Unit
        : !string.IsNullOrEmpty(group.Identifier) ? group.Identifier
        : UnknownSource;
}
