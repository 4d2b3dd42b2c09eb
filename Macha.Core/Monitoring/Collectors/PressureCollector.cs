using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>Reads pressure stall information for cpu, memory and io from <c>/proc/pressure</c>.</summary>
/// <remarks>
/// The files are missing on kernels before 4.20, on kernels built without CONFIG_PSI and on those
/// booted with psi=0, and reading them fails with "Operation not supported" where PSI is built in but
/// switched off. None of these is a fault of the host, so a host with none of the three files
/// readable is Unavailable.
/// NOTE: inside a container the files show the whole machine's pressure unless a layer such as lxcfs
/// rewrites them, so a stall may come from a neighbour.
/// </remarks>
internal sealed class PressureCollector : ICollector
{
    public const string PressureDirectory = "/proc/pressure";

    private const int MaxPressureFileBytes = 4096;

    private static readonly string[] Resources = ["cpu", "memory", "io"];

    // The kernel prints a "full" line for these from Linux 4.20 on, so one missing is a damaged file.
    private static readonly string[] ResourcesWithFullLine = ["memory", "io"];

    public string Name => "pressure";

    private static readonly IReadOnlyList<FileReadRequest> ResourceFiles =
        Resources.Select(resource => new FileReadRequest($"{PressureDirectory}/{resource}", MaxPressureFileBytes)).ToList();

    public IReadOnlyList<FileReadRequest> FilesRead => ResourceFiles;

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        var parsed = new Dictionary<string, ResourcePressure>(StringComparer.Ordinal);
        var unreadable = new List<string>();
        var unparsable = new List<string>();
        string? firstUnparsedContent = null;
        foreach (var resource in Resources)
        {
            var path = $"{PressureDirectory}/{resource}";
            var file = await context.ReadFileAsync(path, MaxPressureFileBytes, cancellationToken);
            if (!file.Exists)
            {
                unreadable.Add($"could not read {path}: {file.Error}");
                continue;
            }

            var result = PressureParser.Parse(file.Content);
            if (!result.Succeeded)
            {
                unparsable.Add($"could not parse {path}: {result.Error}");
                firstUnparsedContent ??= file.Content;
                continue;
            }

            parsed[resource] = result.Value;
        }

        if (unreadable.Count == Resources.Length)
        {
            return CollectorOutcome.Unavailable(
                $"Pressure stall information is unavailable ({unreadable[0]}). It needs Linux 4.20 or later, built with CONFIG_PSI and not booted with psi=0");
        }

        if (parsed.Count == 0)
        {
            return CollectorOutcome.Failed(string.Join("; ", unreadable.Concat(unparsable)), firstUnparsedContent);
        }

        context.Snapshot.Pressure = new PressureSection(
            parsed.GetValueOrDefault("cpu"),
            parsed.GetValueOrDefault("memory"),
            parsed.GetValueOrDefault("io"));

        var problems = unreadable.Concat(unparsable).ToList();
        foreach (var resource in ResourcesWithFullLine)
        {
            if (parsed.TryGetValue(resource, out var pressure) && pressure.Full is null)
            {
                problems.Add($"{PressureDirectory}/{resource} has no 'full' line, so full stalls on {resource} are unknown");
            }
        }

        if (problems.Count == 0)
        {
            return CollectorOutcome.Ok();
        }

        var outcome = CollectorOutcome.Partial(string.Join("; ", problems));
        return firstUnparsedContent is null ? outcome : outcome with { FirstBytes = CollectorStatus.Excerpt(firstUnparsedContent) };
    }
}
