using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>Reads memory and swap from /proc/meminfo.</summary>
internal sealed class MemoryCollector : ICollector
{
    public const string MemInfoPath = "/proc/meminfo";

    // Linux 6.18 prints 1.5 KB (measured on x86_64), so the cap leaves room for many more fields.
    private const int MaxMemInfoBytes = 64 * 1024;

    public string Name => "memory";

    public IReadOnlyList<FileReadRequest> FilesRead { get; } = [new(MemInfoPath, MaxMemInfoBytes)];

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        var file = await context.ReadFileAsync(MemInfoPath, MaxMemInfoBytes, cancellationToken);
        if (!file.Exists)
        {
            return CollectorOutcome.Failed($"Could not read {MemInfoPath}: {file.Error}");
        }

        // lxcfs serves an empty file when the container has no memory cgroup. Memory is then unknown,
        // not zero, so the outcome is Unavailable rather than Failed.
        if (string.IsNullOrWhiteSpace(file.Content))
        {
            return CollectorOutcome.Unavailable($"Memory metrics are unavailable because {MemInfoPath} is empty, as in a container without a memory cgroup");
        }

        var parsed = MemInfoParser.Parse(file.Content);
        if (!parsed.Succeeded)
        {
            return CollectorOutcome.Failed($"Could not parse {MemInfoPath}: {parsed.Error}", file.Content);
        }

        context.Snapshot.Memory = parsed.Value;

        if (parsed.MissingFields.Count == 0)
        {
            return CollectorOutcome.Ok();
        }

        var consequences = new List<string>();
        if (parsed.MissingFields.Any(field => field.StartsWith("Swap", StringComparison.Ordinal)))
        {
            consequences.Add("swap is counted as none");
        }

        if (parsed.Value.AvailableSource != MemInfoParser.MemAvailableSource)
        {
            consequences.Add($"available memory is estimated as {parsed.Value.AvailableSource}");
        }

        return CollectorOutcome.Partial(
            $"{MemInfoPath} lacks {string.Join(", ", parsed.MissingFields)}, so {string.Join(" and ", consequences)}");
    }
}
