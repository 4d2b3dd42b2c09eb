using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Reports resources on which tasks stalled for a large share of the last minute, from pressure stall
/// information, with "cpu", "memory" or "io" as subject.
/// </summary>
/// <remarks>
/// For cpu the "some" line counts, because the system-wide "full" line of cpu is always zero or
/// missing. For memory and io the "full" line counts: time in which no task made progress is lost
/// outright, while "some" stalls are common on busy hosts that still work well.
/// </remarks>
internal sealed class PressureDetector : IDetector
{
    private readonly IOptionsMonitor<DetectionOptions> _options;

    public PressureDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        var pressure = current.Pressure;
        if (pressure is null)
        {
            return [];
        }

        var options = _options.CurrentValue;
        var findings = new List<Finding>();

        // cpu has a warning level only, so its critical level is out of reach.
        if (pressure.Cpu is { } cpu
            && Thresholds.SeverityOf(cpu.Some.Avg60, options.CpuPressureSomeAvg60WarningPercent, double.PositiveInfinity) is { } cpuSeverity)
        {
            findings.Add(Stall(
                current.HostName,
                "cpu",
                cpu,
                cpuSeverity,
                $"Runnable tasks waited for a CPU during {Quantities.WholePercent(cpu.Some.Avg60)} of the last minute.",
                options.CpuPressureSomeAvg60WarningPercent,
                null));
        }

        if (pressure.Memory is { Full: { } memoryFull } memory
            && Thresholds.SeverityOf(memoryFull.Avg60, options.MemoryPressureFullAvg60WarningPercent, options.MemoryPressureFullAvg60CriticalPercent) is { } memorySeverity)
        {
            findings.Add(Stall(
                current.HostName,
                "memory",
                memory,
                memorySeverity,
                $"All running tasks were stalled on memory during {Quantities.WholePercent(memoryFull.Avg60)} of the last minute, reclaiming pages or waiting for swap.",
                options.MemoryPressureFullAvg60WarningPercent,
                options.MemoryPressureFullAvg60CriticalPercent));
        }

        if (pressure.Io is { Full: { } ioFull } io
            && Thresholds.SeverityOf(ioFull.Avg60, options.IoPressureFullAvg60WarningPercent, options.IoPressureFullAvg60CriticalPercent) is { } ioSeverity)
        {
            findings.Add(Stall(
                current.HostName,
                "io",
                io,
                ioSeverity,
                $"All running tasks were stalled on I/O during {Quantities.WholePercent(ioFull.Avg60)} of the last minute.",
                options.IoPressureFullAvg60WarningPercent,
                options.IoPressureFullAvg60CriticalPercent));
        }

        return findings;
    }

    private static Finding Stall(
        string hostName, string resource, ResourcePressure pressure, Severity severity, string summary, double warningAt, double? criticalAt)
    {
        var evidence = new EvidenceText()
            .AddPercent("some_avg10", pressure.Some.Avg10)
            .AddPercent("some_avg60", pressure.Some.Avg60)
            .AddPercent("some_avg300", pressure.Some.Avg300);
        if (pressure.Full is { } full)
        {
            evidence
                .AddPercent("full_avg10", full.Avg10)
                .AddPercent("full_avg60", full.Avg60)
                .AddPercent("full_avg300", full.Avg300);
        }

        evidence.AddPercent("warning_at", warningAt);
        if (criticalAt is { } critical)
        {
            evidence.AddPercent("critical_at", critical);
        }

        return new Finding(hostName, FindingKind.PressureStall, resource, severity, summary, evidence.ToString());
    }
}
