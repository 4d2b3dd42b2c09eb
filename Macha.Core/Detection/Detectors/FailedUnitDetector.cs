using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>Reports every unit systemd lists as failed, except the configured ignored units.</summary>
internal sealed class FailedUnitDetector : IDetector
{
    private readonly IOptionsMonitor<DetectionOptions> _options;

    public FailedUnitDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        if (current.Systemd is null)
        {
            return [];
        }

        var ignored = _options.CurrentValue.IgnoredUnits.ToHashSet(StringComparer.Ordinal);
        var findings = new List<Finding>();
        foreach (var unit in current.Systemd.FailedUnits)
        {
            if (ignored.Contains(unit.Name))
            {
                continue;
            }

            findings.Add(new Finding(
                current.HostName,
                FindingKind.FailedUnit,
                unit.Name,
                SeverityOf(unit.Name),
                Summarize(unit),
                new EvidenceText()
                    .Add("load", unit.Load)
                    .Add("active", unit.Active)
                    .Add("sub", unit.Sub)
                    .Add("description", unit.Description)
                    .Add("system_state", current.Systemd.SystemState)
                    .ToString()));
        }

        return findings;
    }

    // A failed service or mount means something the host should provide is missing, while a failed
    // timer, socket or target usually matters less.
    private static Severity SeverityOf(string unitName) =>
        unitName.EndsWith(".service", StringComparison.Ordinal) || unitName.EndsWith(".mount", StringComparison.Ordinal)
            ? Severity.Critical
            : Severity.Warning;

    private static string Summarize(UnitState unit)
    {
        // Restarting a unit whose file is gone fails with "Unit not found". Such a record needs
        // `systemctl reset-failed`, or a fix to the generator or fstab line that still names the unit.
        if (unit.Load == "not-found")
        {
            return $"{unit.Name} is a stale failure record: it failed and its unit file no longer exists.";
        }

        return unit.Description is null
            ? $"{unit.Name} has failed."
            : $"{unit.Name} ({unit.Description}) has failed.";
    }
}
