using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>Reads CPU time counters from /proc/stat and computes usage since the previous cycle.</summary>
internal sealed class CpuCollector : ICollector
{
    public const string ProcStatPath = "/proc/stat";

    public const string BootIdPath = "/proc/sys/kernel/random/boot_id";

    // The cpu lines come first and the unused interrupt counters after them. At about 60 bytes per cpu
    // line (an estimate), a cut at this size loses no cpu line below roughly 4000 CPUs.
    private const int MaxProcStatBytes = 256 * 1024;

    private const int MaxBootIdBytes = 256;

    public string Name => "cpu";

    public IReadOnlyList<FileReadRequest> FilesRead { get; } = [new(ProcStatPath, MaxProcStatBytes), new(BootIdPath, MaxBootIdBytes)];

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        var file = await context.ReadFileAsync(ProcStatPath, MaxProcStatBytes, cancellationToken);
        if (!file.Exists)
        {
            return CollectorOutcome.Failed($"Could not read {ProcStatPath}: {file.Error}");
        }

        var parsed = ProcStatParser.Parse(file.Content);
        if (!parsed.Succeeded)
        {
            return CollectorOutcome.Failed($"Could not parse {ProcStatPath}: {parsed.Error}", file.Content);
        }

        var counters = parsed.Value.Counters;
        var usage = CpuUsage.Unknown;
        var previous = context.Previous?.Cpu?.Counters;
        if (previous is not null && await IsSameBootAsync(context, cancellationToken))
        {
            usage = ProcStatParser.ComputeUsage(previous, counters);
        }

        // Without an iowait counter, I/O wait cannot be told apart from idle, so a share of 0 would be a guess.
        var ioWaitPercent = parsed.MissingFields.Contains("iowait") ? null : usage.IoWaitPercent;
        context.Snapshot.Cpu = new CpuSection(counters, parsed.Value.LogicalCpuCount, usage.UsagePercent, ioWaitPercent);

        var gaps = new List<string>();
        if (parsed.MissingFields.Count > 0)
        {
            gaps.Add($"The {ProcStatPath} 'cpu' line lacks the {string.Join(", ", parsed.MissingFields)} counters");
        }

        if (parsed.Value.LogicalCpuCount == 0)
        {
            gaps.Add($"{ProcStatPath} has no per-CPU lines, so the CPU count is unknown");
        }

        return gaps.Count == 0 ? CollectorOutcome.Ok() : CollectorOutcome.Partial(string.Join("; ", gaps));
    }

    /// <summary>
    /// Checks that the previous snapshot was taken in the same boot. Counters that restarted from zero
    /// can already be larger again than before the reboot, so comparing them alone is not enough.
    /// </summary>
    private static async Task<bool> IsSameBootAsync(CollectionContext context, CancellationToken cancellationToken)
    {
        var previousBootId = context.Previous?.Boot?.BootId;
        if (previousBootId is null)
        {
            return true;
        }

        var file = await context.ReadFileAsync(BootIdPath, MaxBootIdBytes, cancellationToken);
        return !file.Exists || string.Equals(file.Content.Trim(), previousBootId, StringComparison.OrdinalIgnoreCase);
    }
}
