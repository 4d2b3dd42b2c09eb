using System.Globalization;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>The parts of <c>/proc/stat</c> that the CPU and load collectors use.</summary>
/// <param name="LogicalCpuCount">Number of per-CPU "cpuN" lines; 0 when the kernel printed none.</param>
internal sealed record ProcStat(CpuCounters Counters, int LogicalCpuCount);

/// <summary>CPU use between two samples, in percent of all CPU time; null where it cannot be known.</summary>
internal readonly record struct CpuUsage(double? UsagePercent, double? IoWaitPercent)
{
    public static CpuUsage Unknown => new(null, null);
}

/// <summary>Reads the aggregate "cpu" line of <c>/proc/stat</c> and computes usage between samples.</summary>
internal static class ProcStatParser
{
    // Order of the counters on the "cpu" line. Per proc_stat(5), iowait appeared in Linux 2.5.41, irq
    // and softirq in 2.6.0 and steal in 2.6.11, so older kernels print only the first four. The guest
    // counters that follow are already included in user and nice, so they are not read.
    private static readonly string[] CounterNames = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"];

    private const int RequiredCounters = 4;

    public static ParseResult<ProcStat> Parse(string text)
    {
        string? aggregateLine = null;
        var cpuCount = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4)
            {
                continue;
            }

            if (char.IsAsciiDigit(line[3]))
            {
                cpuCount++;
            }
            else if (line[3] == ' ' && aggregateLine is null)
            {
                aggregateLine = line;
            }
        }

        if (aggregateLine is null)
        {
            return ParseResult<ProcStat>.Failure("/proc/stat has no aggregate 'cpu' line");
        }

        var tokens = aggregateLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var counters = new ulong[CounterNames.Length];
        var counterCount = Math.Min(tokens.Length - 1, CounterNames.Length);
        for (var i = 0; i < counterCount; i++)
        {
            if (!ulong.TryParse(tokens[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out counters[i]))
            {
                return ParseResult<ProcStat>.Failure($"the {CounterNames[i]} counter on the /proc/stat 'cpu' line is not a number: '{tokens[i + 1]}'");
            }
        }

        if (counterCount < RequiredCounters)
        {
            return ParseResult<ProcStat>.Failure(
                $"the /proc/stat 'cpu' line has {counterCount} counters; at least user, nice, system and idle are required");
        }

        var missing = CounterNames[counterCount..];
        var cpuCounters = new CpuCounters(
            counters[0], counters[1], counters[2], counters[3], counters[4], counters[5], counters[6], counters[7]);
        return ParseResult<ProcStat>.Success(new ProcStat(cpuCounters, cpuCount), missing);
    }

    /// <summary>
    /// Computes the busy and iowait shares of CPU time between two samples of the same boot.
    /// </summary>
    /// <remarks>
    /// Usage is unknown when no time passed or a counter other than iowait went backwards, as after a
    /// reboot. proc_stat(5) warns that iowait itself can decrease, so a smaller iowait makes only the
    /// iowait share unknown.
    /// </remarks>
    public static CpuUsage ComputeUsage(CpuCounters previous, CpuCounters current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);

        if (current.User < previous.User
            || current.Nice < previous.Nice
            || current.System < previous.System
            || current.Idle < previous.Idle
            || current.Irq < previous.Irq
            || current.SoftIrq < previous.SoftIrq
            || current.Steal < previous.Steal)
        {
            return CpuUsage.Unknown;
        }

        double busy = (current.User - previous.User)
            + (current.Nice - previous.Nice)
            + (current.System - previous.System)
            + (current.Irq - previous.Irq)
            + (current.SoftIrq - previous.SoftIrq)
            + (current.Steal - previous.Steal);
        double idle = current.Idle - previous.Idle;
        var ioWait = (double)current.IoWait - previous.IoWait;
        var total = busy + idle + Math.Max(ioWait, 0);
        if (total <= 0)
        {
            return CpuUsage.Unknown;
        }

        double? ioWaitPercent = ioWait >= 0 ? 100.0 * ioWait / total : null;
        return new CpuUsage(100.0 * busy / total, ioWaitPercent);
    }
}
