using System.Globalization;
using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Reports a service that systemd restarted automatically at least the configured number of times
/// since the previous snapshot: a service that keeps crashing and coming back, which a single
/// snapshot shows as healthy.
/// </summary>
/// <remarks>
/// systemd's NRestarts counts since boot and starts again at zero after a reboot, an explicit start
/// or <c>systemctl reset-failed</c>. Snapshots of different boots, or with a boot id missing, are
/// not compared, and a count that went down is not a burst.
/// </remarks>
internal sealed class UnitFlappingDetector : IDetector
{
    private readonly IOptionsMonitor<DetectionOptions> _options;

    public UnitFlappingDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        if (current.Systemd?.ServiceRestarts is not { } restarts
            || previous?.Systemd?.ServiceRestarts is not { } previousRestarts
            || current.Boot?.BootId is not { } bootId
            || !string.Equals(bootId, previous.Boot?.BootId, StringComparison.Ordinal))
        {
            return [];
        }

        var options = _options.CurrentValue;
        var ignored = options.IgnoredUnits.ToHashSet(StringComparer.Ordinal);

        // The snapshot lists only services with at least one restart, so a service absent from the
        // previous list had none then.
        var before = previousRestarts
            .GroupBy(service => service.Name, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.First().Restarts, StringComparer.Ordinal);

        var findings = new List<Finding>();
        foreach (var service in restarts)
        {
            var previousCount = before.GetValueOrDefault(service.Name);
            var added = service.Restarts - previousCount;
            if (added < options.UnitRestartBurstCount || ignored.Contains(service.Name))
            {
                continue;
            }

            findings.Add(new Finding(
                current.HostName,
                FindingKind.UnitFlapping,
                service.Name,
                Severity.Warning,
                $"systemd restarted {service.Name} {added} times since the last check.",
                new EvidenceText()
                    .Add("restarts", service.Restarts)
                    .Add("previous_restarts", previousCount)
                    .Add("added", added)
                    .Add("result", service.Result)
                    .Add("exec_main_status", service.ExecMainStatus?.ToString(CultureInfo.InvariantCulture))
                    .Add("threshold", options.UnitRestartBurstCount)
                    .ToString()));
        }

        return findings;
    }
}
