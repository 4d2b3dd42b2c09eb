using System.Globalization;
using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Reports a reboot: uptime shorter than the configured window, or a boot id that differs from the
/// previous snapshot's. The boot id catches a reboot that the window missed, such as one during a
/// long gap between cycles.
/// </summary>
internal sealed class RebootDetector : IDetector
{
    private const string BootSubject = "boot";

    private readonly IOptionsMonitor<DetectionOptions> _options;

    public RebootDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        var boot = current.Boot;
        if (boot is null)
        {
            return [];
        }

        var window = _options.CurrentValue.RecentRebootWindow;
        var withinWindow = boot.Uptime < window;
        var previousBootId = previous?.Boot?.BootId;
        var bootIdChanged = boot.BootId is not null
            && previousBootId is not null
            && !string.Equals(boot.BootId, previousBootId, StringComparison.Ordinal);

        if (!withinWindow && !bootIdChanged)
        {
            return [];
        }

        var summary = withinWindow
            ? $"The host booted {Quantities.Duration(boot.Uptime)} ago."
            : "The host rebooted since the last check.";

        return
        [
            new Finding(
                current.HostName,
                FindingKind.RecentReboot,
                BootSubject,
                Severity.Warning,
                summary,
                new EvidenceText()
                    .Add("booted_at", boot.BootedAt.ToString("O", CultureInfo.InvariantCulture))
                    .Add("uptime_seconds", (long)boot.Uptime.TotalSeconds)
                    .Add("boot_id", boot.BootId)
                    .Add("previous_boot_id", bootIdChanged ? previousBootId : null)
                    .Add("window_minutes", Quantities.Decimal(window.TotalMinutes))
                    .ToString()),
        ];
    }
}
