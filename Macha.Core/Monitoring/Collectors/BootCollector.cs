using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>Reads uptime from /proc/uptime and the kernel's boot id.</summary>
internal sealed class BootCollector : ICollector
{
    public const string UptimePath = "/proc/uptime";

    private const int MaxSmallFileBytes = 4096;

    public string Name => "boot";

    public IReadOnlyList<FileReadRequest> FilesRead { get; } = [new(UptimePath, MaxSmallFileBytes), new(CpuCollector.BootIdPath, MaxSmallFileBytes)];

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        var uptimeFile = await context.ReadFileAsync(UptimePath, MaxSmallFileBytes, cancellationToken);
        if (!uptimeFile.Exists)
        {
            return CollectorOutcome.Failed($"Could not read {UptimePath}: {uptimeFile.Error}");
        }

        var uptime = UptimeParser.Parse(uptimeFile.Content);
        if (!uptime.Succeeded)
        {
            return CollectorOutcome.Failed($"Could not parse {UptimePath}: {uptime.Error}", uptimeFile.Content);
        }

        string? bootId = null;
        string? bootIdProblem = null;
        var bootIdFile = await context.ReadFileAsync(CpuCollector.BootIdPath, MaxSmallFileBytes, cancellationToken);
        if (!bootIdFile.Exists)
        {
            bootIdProblem = $"Could not read {CpuCollector.BootIdPath}: {bootIdFile.Error}";
        }
        else if (Guid.TryParse(bootIdFile.Content.Trim(), out var parsedBootId))
        {
            bootId = parsedBootId.ToString("D");
        }
        else
        {
            bootIdProblem = $"{CpuCollector.BootIdPath} is not a UUID: '{CollectorStatus.Excerpt(bootIdFile.Content.Trim())}'";
        }

        // Uptime is read a moment after TakenAt, so the boot time can drift by that moment between cycles.
        var bootedAt = context.Snapshot.TakenAt - uptime.Value;
        context.Snapshot.Boot = new BootSection(uptime.Value, bootedAt, bootId);

        return bootIdProblem is null
            ? CollectorOutcome.Ok()
            : CollectorOutcome.Partial($"{bootIdProblem}; the boot id is left empty");
    }
}
