using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>Reports memory pressure, and heavy swap use on hosts that have swap.</summary>
internal sealed class MemoryDetector : IDetector
{
    private const string MemorySubject = "memory";
    private const string SwapSubject = "swap";

    private readonly IOptionsMonitor<DetectionOptions> _options;

    public MemoryDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        var memory = current.Memory;

        // An empty /proc/meminfo (lxcfs without a memory cgroup) gives no total, which is missing data, not full memory.
        if (memory is null || memory.TotalBytes <= 0)
        {
            return [];
        }

        var options = _options.CurrentValue;
        var findings = new List<Finding>();

        // UsedPercent counts MemAvailable as free. Other fields (Active, Slab) leak host values inside
        // lxcfs containers and are deliberately not used.
        if (Thresholds.SeverityOf(memory.UsedPercent, options.MemoryUsedWarningPercent, options.MemoryUsedCriticalPercent) is { } memorySeverity)
        {
            findings.Add(new Finding(
                current.HostName,
                FindingKind.MemoryPressure,
                MemorySubject,
                memorySeverity,
                $"Memory is {Quantities.WholePercent(memory.UsedPercent)} used ({Quantities.Bytes(memory.AvailableBytes)} available).",
                new EvidenceText()
                    .AddPercent("used", memory.UsedPercent)
                    .AddBytes("available", memory.AvailableBytes)
                    .AddBytes("total", memory.TotalBytes)
                    .Add("available_from", memory.AvailableSource)
                    .AddPercent("warning_at", options.MemoryUsedWarningPercent)
                    .AddPercent("critical_at", options.MemoryUsedCriticalPercent)
                    .ToString()));
        }

        if (memory.SwapUsedPercent is { } swapUsedPercent
            && Thresholds.SeverityOf(swapUsedPercent, options.SwapUsedWarningPercent, options.SwapUsedCriticalPercent) is { } swapSeverity)
        {
            var swapUsedBytes = memory.SwapTotalBytes - memory.SwapFreeBytes;
            findings.Add(new Finding(
                current.HostName,
                FindingKind.SwapUsage,
                SwapSubject,
                swapSeverity,
                $"Swap is {Quantities.WholePercent(swapUsedPercent)} used ({Quantities.Bytes(swapUsedBytes)} of {Quantities.Bytes(memory.SwapTotalBytes)}).",
                new EvidenceText()
                    .AddPercent("swap_used", swapUsedPercent)
                    .AddBytes("swap_used_size", swapUsedBytes)
                    .AddBytes("swap_total", memory.SwapTotalBytes)
                    .AddPercent("memory_used", memory.UsedPercent)
                    .AddPercent("warning_at", options.SwapUsedWarningPercent)
                    .AddPercent("critical_at", options.SwapUsedCriticalPercent)
                    .ToString()));
        }

        return findings;
    }
}
