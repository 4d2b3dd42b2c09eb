using System.Globalization;
using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>
/// Lists processes with procps ps, keeps the busiest and the largest, counts processes in states D
/// and Z, and computes recent CPU use of the kept processes from <c>/proc/PID/stat</c>.
/// </summary>
/// <remarks>
/// ps's %CPU is averaged over each process's lifetime. For a recent figure the collector reads
/// utime and stime of each kept process (at most <see cref="TopCount"/> twice, plus
/// <c>/proc/stat</c>) and compares them with the previous cycle's sample of the same process.
/// NOTE: a process new to the lists has no recent figure until the next cycle, and one that turned
/// busy after a long idle life can stay out of the CPU list, which is chosen by lifetime %CPU.
/// </remarks>
internal sealed class ProcessesCollector : ICollector
{
    /// <summary>Number of processes kept per list.</summary>
    public const int TopCount = 5;

    private const int MaxProcStatBytes = 256 * 1024;
    private const int MaxPidStatBytes = 4096;

    // Messages of ps builds that lack the procps options, such as BusyBox's "ps: invalid option -- 'e'".
    private static readonly string[] UnsupportedOptionMarkers = ["BusyBox", "invalid option", "unrecognized option", "unknown option"];

    public string Name => "processes";

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        var request = context.Command("ps", "-eo", "pid=,user:32=,pcpu=,rss=,stat=,comm=", "--sort=-pcpu");
        var result = await context.Shell.RunAsync(request, cancellationToken);
        if (DetectUnsupportedPs(result, request) is { } unavailable)
        {
            return unavailable;
        }

        if (result.Status != CommandStatus.Exited || result.ExitCode != 0)
        {
            return CollectorOutcome.FromCommand(result, request);
        }

        var table = PsOutputParser.Parse(result.StandardOutput);
        if (table.Rows.Count == 0)
        {
            return CollectorOutcome.Failed($"Could not parse the output of {request.DisplayText}: no process lines", result.StandardOutput);
        }

        // ps lists itself, and its lifetime %CPU is high because it has only just started.
        var rows = table.Rows.Where(row => !(row.Name == "ps" && row.State.StartsWith('R'))).ToList();

        var problems = new List<string>();
        var topByCpu = rows.OrderByDescending(row => row.CpuPercent).ThenBy(row => row.ProcessId).Take(TopCount).ToList();
        var topByMemory = rows.OrderByDescending(row => row.ResidentBytes).ThenBy(row => row.ProcessId).Take(TopCount).ToList();
        var uninterruptible = rows.Where(row => row.State.StartsWith('D')).ToList();

        var (clock, samples) = await SampleAsync(context, topByCpu.Concat(topByMemory), problems, cancellationToken);
        var previous = PreviousSamples(context.Previous?.Processes);
        var previousClock = context.Previous?.Processes?.SystemCpuTicks;

        ProcessInfo ToInfo(PsRow row)
        {
            ProcessCpuSample? sample = samples.TryGetValue(row.ProcessId, out var found) ? found : null;
            double? recent = null;
            if (sample is { } current && clock is { } now && previousClock is { } then
                && previous.TryGetValue((row.ProcessId, current.StartTimeTicks), out var earlier))
            {
                recent = RecentCpuPercent(earlier, current.CpuTimeTicks, then, now.TotalTicks, now.LogicalCpuCount);
            }

            return new ProcessInfo(
                row.ProcessId, row.User, row.Name, row.State, row.CpuPercent, row.ResidentBytes, recent, sample?.CpuTimeTicks, sample?.StartTimeTicks);
        }

        context.Snapshot.Processes = new ProcessesSection(
            topByCpu.Select(ToInfo).ToList(),
            topByMemory.Select(ToInfo).ToList(),
            uninterruptible.Take(TopCount).Select(ToInfo).ToList(),
            rows.Count,
            uninterruptible.Count,
            rows.Count(row => row.State.StartsWith('Z')),
            clock?.TotalTicks,
            clock?.LogicalCpuCount ?? 0);

        if (result.OutputTruncated)
        {
            problems.Add($"{request.DisplayText} printed more than {request.MaxOutputBytes} bytes, so the counts and the memory list cover only the processes before the cut; raise Macha:Monitoring:MaxOutputBytes");
        }

        if (table.UnparsedLines.Count > 0)
        {
            problems.Add($"{table.UnparsedLines.Count} lines of {request.DisplayText} could not be parsed, the first being '{CollectorStatus.Excerpt(table.UnparsedLines[0])}'");
        }

        return problems.Count == 0 ? CollectorOutcome.Ok() : CollectorOutcome.Partial(string.Join("; ", problems));
    }

    private static CollectorOutcome? DetectUnsupportedPs(CommandResult result, CommandRequest request)
    {
        if (result.Status != CommandStatus.Exited || result.ExitCode == 0)
        {
            return null;
        }

        var line = (result.StandardError + "\n" + result.StandardOutput)
            .Split('\n', StringSplitOptions.TrimEntries)
            .FirstOrDefault(candidate => UnsupportedOptionMarkers.Any(marker => candidate.Contains(marker, StringComparison.OrdinalIgnoreCase)));
        if (line is null)
        {
            return null;
        }

        return CollectorOutcome.Unavailable(
            $"this ps does not accept the procps options of {request.DisplayText} (BusyBox ps lacks -e, column widths and --sort): {CollectorStatus.Excerpt(line)}");
    }

    private static CpuClock? ParseCpuClock(FileReadResult file, List<string> problems)
    {
        if (!file.Exists)
        {
            problems.Add($"Could not read {CpuCollector.ProcStatPath}, so recent CPU use is unknown: {file.Error}");
            return null;
        }

        var parsed = ProcStatParser.Parse(file.Content);
        if (!parsed.Succeeded || parsed.Value.LogicalCpuCount == 0)
        {
            problems.Add($"Could not read the CPU time from {CpuCollector.ProcStatPath}, so recent CPU use is unknown: {parsed.Error ?? "no per-CPU lines"}");
            return null;
        }

        return new CpuClock(parsed.Value.Counters.Total, parsed.Value.LogicalCpuCount);
    }

    /// <summary>
    /// Reads the machine's CPU clock and each process's CPU time in one batch, so both belong to the
    /// same moment and the recent CPU share compares like with like from cycle to cycle.
    /// </summary>
    private static async Task<(CpuClock? Clock, Dictionary<int, ProcessCpuSample> Samples)> SampleAsync(
        CollectionContext context, IEnumerable<PsRow> rows, List<string> problems, CancellationToken cancellationToken)
    {
        var samples = new Dictionary<int, ProcessCpuSample>();
        var processIds = rows.Select(row => row.ProcessId).Distinct().ToList();
        List<FileReadRequest> files =
        [
            new(CpuCollector.ProcStatPath, MaxProcStatBytes),
            .. processIds.Select(processId => new FileReadRequest("/proc/" + processId.ToString(CultureInfo.InvariantCulture) + "/stat", MaxPidStatBytes)),
        ];

        // Straight from the shell: the /proc/stat read ahead for the cpu collector is from an earlier moment.
        var reads = await context.Shell.ReadFilesAsync(files, context.Options.CommandTimeout, cancellationToken);
        var clock = ParseCpuClock(reads[0], problems);
        for (var i = 0; i < processIds.Count; i++)
        {
            var processId = processIds[i];
            var path = files[i + 1].Path;
            var file = reads[i + 1];

            // A process that exited after ps listed it has no file any more, which is not a problem.
            if (!file.Exists)
            {
                continue;
            }

            var parsed = ProcPidStatParser.Parse(file.Content);
            if (parsed.Succeeded)
            {
                samples[processId] = parsed.Value;
            }
            else
            {
                problems.Add($"Could not parse {path}: {parsed.Error}: '{CollectorStatus.Excerpt(file.Content.Trim())}'");
            }
        }

        return (clock, samples);
    }

    private static Dictionary<(int ProcessId, long StartTimeTicks), long> PreviousSamples(ProcessesSection? previous)
    {
        var samples = new Dictionary<(int, long), long>();
        if (previous is null)
        {
            return samples;
        }

        foreach (var process in previous.TopByCpu.Concat(previous.TopByMemory))
        {
            if (process.CpuTimeTicks is { } cpuTicks && process.StartTimeTicks is { } startTicks)
            {
                samples.TryAdd((process.ProcessId, startTicks), cpuTicks);
            }
        }

        return samples;
    }

    /// <summary>
    /// Returns the process's CPU time between two samples in percent of one CPU, using the growth of
    /// the /proc/stat counters (the same clock ticks, summed over all CPUs) as the elapsed time.
    /// Returns null when a counter went backwards, as after a reboot.
    /// </summary>
    private static double? RecentCpuPercent(long previousProcessTicks, long processTicks, ulong previousSystemTicks, ulong systemTicks, int logicalCpuCount)
    {
        if (processTicks < previousProcessTicks || systemTicks <= previousSystemTicks || logicalCpuCount <= 0)
        {
            return null;
        }

        var elapsedTicksPerCpu = (double)(systemTicks - previousSystemTicks) / logicalCpuCount;
        return 100.0 * (processTicks - previousProcessTicks) / elapsedTicksPerCpu;
    }

    private readonly record struct CpuClock(ulong TotalTicks, int LogicalCpuCount);
}
