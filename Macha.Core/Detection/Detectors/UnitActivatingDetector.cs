using System.Globalization;
using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Reports a unit that has been activating or deactivating for at least the configured time, such as
/// a service whose start never finishes or whose stop waits for a process that ignores SIGTERM.
/// </summary>
internal sealed class UnitActivatingDetector : IDetector
{
    private readonly IOptionsMonitor<DetectionOptions> _options;

    public UnitActivatingDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        if (current.Systemd?.TransitioningUnits is not { } units)
        {
            return [];
        }

        var options = _options.CurrentValue;
        var ignored = options.IgnoredUnits.ToHashSet(StringComparer.Ordinal);
        var findings = new List<Finding>();
        foreach (var unit in units)
        {
            // A unit whose time in state is unknown is not judged here, because the collector's
            // Partial status already reports that the time could not be read.
            if (unit.InStateFor is not { } inStateFor || inStateFor < options.UnitActivatingTooLong || ignored.Contains(unit.Name))
            {
                continue;
            }

            findings.Add(new Finding(
                current.HostName,
                FindingKind.UnitActivatingTooLong,
                unit.Name,
                Severity.Warning,
                $"{unit.Name} has been {unit.Active} ({unit.Sub}) for {Quantities.Duration(inStateFor)}.",
                new EvidenceText()
                    .Add("active", unit.Active)
                    .Add("sub", unit.Sub)
                    .Add("in_state_seconds", (long)inStateFor.TotalSeconds)
                    .Add("state_changed_after_boot_seconds", WholeSeconds(unit.StateChangedAfterBoot))
                    .Add("threshold_seconds", (long)options.UnitActivatingTooLong.TotalSeconds)
                    .ToString()));
        }

        return findings;
    }

    private static string? WholeSeconds(TimeSpan? duration) =>
        duration is { } value ? ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture) : null;
}
