using System.Globalization;
using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>Reports a high load average per CPU and, once a CPU usage sample exists, a busy CPU.</summary>
internal sealed class LoadDetector : IDetector
{
    private const string LoadSubject = "load";
    private const string CpuSubject = "cpu";

    private readonly IOptionsMonitor<DetectionOptions> _options;

    public LoadDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        var options = _options.CurrentValue;
        var findings = new List<Finding>();

        // The five-minute average rides out short spikes (a build, a backup starting) that the one-minute average reports.
        if (current.Load is { } load
            && Thresholds.SeverityOf(load.Load5PerCore, options.LoadPerCoreWarning, options.LoadPerCoreCritical) is { } loadSeverity)
        {
            findings.Add(new Finding(
                current.HostName,
                FindingKind.HighLoad,
                LoadSubject,
                loadSeverity,
                $"Load is {Quantities.Decimal(load.Load5PerCore)} per CPU over 5 minutes ({Quantities.Decimal(load.Load5)} on {CpuCount(load.LogicalCpuCount)}).",
                new EvidenceText()
                    .Add("load1", Quantities.Decimal(load.Load1))
                    .Add("load5", Quantities.Decimal(load.Load5))
                    .Add("load15", Quantities.Decimal(load.Load15))
                    .Add("logical_cpus", load.LogicalCpuCount)
                    .Add("load5_per_cpu", Quantities.Decimal(load.Load5PerCore))
                    .Add("warning_at", Quantities.Decimal(options.LoadPerCoreWarning))
                    .Add("critical_at", Quantities.Decimal(options.LoadPerCoreCritical))
                    .ToString()));
        }

        // UsagePercent is null on the first sample, before there is a previous counter to subtract.
        if (current.Cpu is { UsagePercent: { } usagePercent } cpu && usagePercent >= options.CpuUsedWarningPercent)
        {
            var evidence = new EvidenceText()
                .AddPercent("used", usagePercent)
                .Add("logical_cpus", cpu.LogicalCpuCount);
            if (cpu.IoWaitPercent is { } ioWaitPercent)
            {
                evidence.AddPercent("iowait", ioWaitPercent);
            }

            findings.Add(new Finding(
                current.HostName,
                FindingKind.HighCpu,
                CpuSubject,
                Severity.Warning,
                $"CPU is {Quantities.WholePercent(usagePercent)} busy since the last check.",
                evidence.AddPercent("warning_at", options.CpuUsedWarningPercent).ToString()));
        }

        return findings;
    }

    private static string CpuCount(int count) => count switch
    {
        <= 0 => "an unknown number of CPUs",
        1 => "1 CPU",
        _ => count.ToString(CultureInfo.InvariantCulture) + " CPUs",
    };
}
