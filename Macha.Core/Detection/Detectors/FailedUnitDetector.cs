using System.Globalization;
using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Reports every unit systemd lists as failed, except the configured ignored units, and reports when
/// it failed during boot.
/// </summary>
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

        var options = _options.CurrentValue;
        var ignored = options.IgnoredUnits.ToHashSet(StringComparer.Ordinal);
        var findings = new List<Finding>();
        foreach (var unit in current.Systemd.FailedUnits)
        {
            if (ignored.Contains(unit.Name))
            {
                continue;
            }

            var failedAfterBoot = unit.Failure?.InactiveEnteredAfterBoot;
            var duringBoot = failedAfterBoot is { } after && after < options.UnitFailedDuringBootWindow;

            findings.Add(new Finding(
                current.HostName,
                FindingKind.FailedUnit,
                unit.Name,
                SeverityOf(unit.Name),
                Summarize(unit, duringBoot),
                Describe(unit, current.Systemd.SystemState, failedAfterBoot, duringBoot)));
        }

        return findings;
    }

    // A failed service or mount means something the host should provide is missing, while a failed
    // timer, socket or target usually matters less.
    private static Severity SeverityOf(string unitName) =>
        unitName.EndsWith(".service", StringComparison.Ordinal) || unitName.EndsWith(".mount", StringComparison.Ordinal)
            ? Severity.Critical
            : Severity.Warning;

    private static string Summarize(UnitState unit, bool duringBoot)
    {
        // Restarting a unit whose file is gone fails with "Unit not found". Such a record needs
        // `systemctl reset-failed`, or a fix to the generator or fstab line that still names the unit.
        if (unit.Load == "not-found")
        {
            var stale = $"{unit.Name} is a stale failure record: it failed and its unit file no longer exists.";
            return duringBoot ? stale + " It failed during boot." : stale;
        }

        var failed = duringBoot ? "failed during boot" : "has failed";
        return unit.Description is null
            ? $"{unit.Name} {failed}."
            : $"{unit.Name} ({unit.Description}) {failed}.";
    }

    private static string Describe(UnitState unit, string? systemState, TimeSpan? failedAfterBoot, bool duringBoot)
    {
        var evidence = new EvidenceText()
            .Add("load", unit.Load)
            .Add("active", unit.Active)
            .Add("sub", unit.Sub)
            .Add("description", unit.Description)
            .Add("system_state", systemState);

        if (unit.Failure is not { } failure)
        {
            return evidence.ToString();
        }

        return evidence
            .Add("result", failure.Result)
            .Add("exec_main_code", failure.ExecMainCode)
            .Add("exec_main_status", failure.ExecMainStatus?.ToString(CultureInfo.InvariantCulture))
            .Add("restarts", failure.Restarts?.ToString(CultureInfo.InvariantCulture))
            .Add("fragment_path", failure.FragmentPath)
            .Add("load_error", failure.LoadError)
            .Add("active_enter", failure.ActiveEnterTimestamp)
            .Add("inactive_enter", failure.InactiveEnterTimestamp)
            .Add("failed_after_boot_seconds", failedAfterBoot is { } after ? ((long)after.TotalSeconds).ToString(CultureInfo.InvariantCulture) : null)
            .Add("failed_during_boot", duringBoot ? "true" : null)
            .ToString();
    }
}
