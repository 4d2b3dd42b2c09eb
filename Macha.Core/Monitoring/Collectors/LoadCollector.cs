using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>Reads the load averages from /proc/loadavg and the logical CPU count to judge them by.</summary>
/// <remarks>
/// NOTE: inside an LXC container with lxcfs, /proc/loadavg may show the host's load while /proc/stat
/// shows the container's CPUs, so the load per core is overstated there. Telling such containers apart
/// would need a check of the /proc mounts, which this collector does not do.
/// </remarks>
internal sealed class LoadCollector : ICollector
{
    public const string LoadAvgPath = "/proc/loadavg";

    public const string CpuInfoPath = "/proc/cpuinfo";

    private const int MaxLoadAvgBytes = 4096;

    private const int MaxProcStatBytes = 256 * 1024;

    // At 1.35 KB per logical CPU (measured on x86_64 with Linux 6.18), the cut falls at about 770 CPUs.
    // Only hosts whose /proc/stat lists no CPUs need this file.
    private const int MaxCpuInfoBytes = 1024 * 1024;

    public string Name => "load";

    public IReadOnlyList<FileReadRequest> FilesRead { get; } = [new(LoadAvgPath, MaxLoadAvgBytes)];

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        var file = await context.ReadFileAsync(LoadAvgPath, MaxLoadAvgBytes, cancellationToken);
        if (!file.Exists)
        {
            return CollectorOutcome.Failed($"Could not read {LoadAvgPath}: {file.Error}");
        }

        var parsed = LoadAvgParser.Parse(file.Content);
        if (!parsed.Succeeded)
        {
            return CollectorOutcome.Failed($"Could not parse {LoadAvgPath}: {parsed.Error}", file.Content);
        }

        var cpuCount = await CountLogicalCpusAsync(context, cancellationToken);
        var loads = parsed.Value;
        context.Snapshot.Load = new LoadSection(loads.Load1, loads.Load5, loads.Load15, cpuCount);

        return cpuCount > 0
            ? CollectorOutcome.Ok()
            : CollectorOutcome.Partial(
                $"The logical CPU count is unknown because neither {CpuCollector.ProcStatPath} nor {CpuInfoPath} lists CPUs, so load per core is not known");
    }

    /// <summary>
    /// Counts logical CPUs, reusing what the CPU collector found in this cycle when it ran first.
    /// Returns 0 when no source lists them.
    /// </summary>
    private static async Task<int> CountLogicalCpusAsync(CollectionContext context, CancellationToken cancellationToken)
    {
        if (context.Snapshot.Cpu is { LogicalCpuCount: > 0 } cpu)
        {
            return cpu.LogicalCpuCount;
        }

        var stat = await context.ReadFileAsync(CpuCollector.ProcStatPath, MaxProcStatBytes, cancellationToken);
        if (stat.Exists && ProcStatParser.Parse(stat.Content) is { Succeeded: true, Value.LogicalCpuCount: > 0 } parsed)
        {
            return parsed.Value.LogicalCpuCount;
        }

        var cpuInfo = await context.ReadFileAsync(CpuInfoPath, MaxCpuInfoBytes, cancellationToken);
        return cpuInfo.Exists ? CpuInfoParser.CountProcessors(cpuInfo.Content) : 0;
    }
}
