using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>
/// Reads space and inode use of local filesystems with df, and of network filesystems with a
/// separate stat -f probe per mount.
/// </summary>
/// <remarks>
/// Both df runs pass -l, so df skips network filesystems: a hard-mounted NFS share whose server is
/// gone makes df block until it is killed. Those mounts are probed one by one instead (see
/// <see cref="NetworkMountProber"/>), so a dead one is reported on its own while the others are
/// still measured. A local mount can still hang (a stuck autofs mount), so a df timeout is reported
/// as such and never as a host with no filesystems. Where a df or stat survives its kill,
/// <see cref="Hosts.LocalProcessShell"/> starts no second one and reports the command as timed out.
/// NOTE: GNU df -l still measures types it counts as local, such as 9p and fuse mounts without a
/// "host:" source, so one of those hanging times out the whole df. BusyBox df has no -l or -T, so on
/// such hosts the run fails with df's usage message.
/// </remarks>
internal sealed class DiskCollector : ICollector
{
    /// <summary>
    /// Filesystem types that hold no persistent data or only mirror other mounts, so their fullness
    /// is not a disk problem.
    /// </summary>
    public static readonly IReadOnlySet<string> PseudoFilesystemTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "autofs",
        "binfmt_misc",
        "bpf",
        "cgroup",
        "cgroup2",
        "configfs",
        "debugfs",
        "devpts",
        "devtmpfs",
        "efivarfs",
        "fuse.gvfsd-fuse",
        "fuse.lxcfs",
        "fuse.portal",
        "fusectl",
        "hugetlbfs",
        "mqueue",
        "nsfs",
        "overlay",
        "proc",
        "pstore",
        "ramfs",
        "rpc_pipefs",
        "securityfs",
        "selinuxfs",
        "squashfs",
        "sysfs",
        "tmpfs",
        "tracefs",
    };

    public string Name => "disks";

    public IReadOnlyList<FileReadRequest> FilesRead { get; } = [new(NetworkMountProber.MountInfoPath, NetworkMountProber.MaxMountTableBytes)];

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        var spaceRequest = context.Command("df", "-P", "-T", "-l", "-k");
        var spaceResult = await context.Shell.RunAsync(spaceRequest, cancellationToken);
        if (spaceResult.Status == CommandStatus.TimedOut)
        {
            return new CollectorOutcome(
                CollectorState.TimedOut,
                $"The filesystem check timed out, so disk use is unknown: {spaceResult.Describe(spaceRequest.DisplayText)}. A local mount may be hung, such as an autofs mount that never completes");
        }

        if (spaceResult.Status != CommandStatus.Exited)
        {
            return CollectorOutcome.FromCommand(spaceResult, spaceRequest);
        }

        var space = DfParser.Parse(spaceResult.StandardOutput);
        if (space.Rows.Count == 0)
        {
            // df exits with 1 when it could not read some mount but still prints the others. A failed
            // exit is fatal only when no rows came with it.
            return spaceResult.ExitCode != 0
                ? CollectorOutcome.FromCommand(spaceResult, spaceRequest)
                : CollectorOutcome.Failed($"Could not parse the output of {spaceRequest.DisplayText}: no filesystem lines", spaceResult.StandardOutput);
        }

        var problems = new List<string>();
        if (spaceResult.ExitCode != 0)
        {
            problems.Add(spaceResult.Describe(spaceRequest.DisplayText));
        }

        if (space.UnparsedLines.Count > 0)
        {
            problems.Add($"{space.UnparsedLines.Count} lines of {spaceRequest.DisplayText} could not be parsed, the first being '{CollectorStatus.Excerpt(space.UnparsedLines[0])}'");
        }

        var filesystems = SelectStorageFilesystems(space.Rows);
        if (filesystems.Count > 0)
        {
            filesystems = await AddInodesAsync(context, filesystems, problems, cancellationToken);
        }

        var dfMountPoints = space.Rows.Select(row => row.MountPoint).ToHashSet(StringComparer.Ordinal);
        var network = await NetworkMountProber.ProbeAsync(context, dfMountPoints, problems, cancellationToken);
        if (network is not null)
        {
            context.Snapshot.NetworkMounts = network.Statuses;
            filesystems.AddRange(network.Measured);
            problems.AddRange(network.Statuses
                .Where(status => status.State != NetworkMountState.Responsive)
                .Select(status => $"{status.MountPoint} ({status.FilesystemType}) {(status.State == NetworkMountState.Unresponsive ? "is unresponsive" : "was not checked")}: {status.Detail}"));
        }

        if (filesystems.Count == 0)
        {
            problems.Add($"df listed {space.Rows.Count} filesystems, all of them pseudo or empty filesystems ({string.Join(", ", space.Rows.Select(row => row.FilesystemType ?? row.Source).Distinct())}), so no disk was checked");
        }

        context.Snapshot.Filesystems = filesystems;
        return problems.Count == 0 ? CollectorOutcome.Ok() : CollectorOutcome.Partial(string.Join("; ", problems));
    }

    private static async Task<List<FilesystemUsage>> AddInodesAsync(
        CollectionContext context, List<FilesystemUsage> filesystems, List<string> problems, CancellationToken cancellationToken)
    {
        var inodeRequest = context.Command("df", "-P", "-i", "-l");
        var inodeResult = await context.Shell.RunAsync(inodeRequest, cancellationToken);
        var inodes = inodeResult.Status == CommandStatus.Exited ? DfParser.Parse(inodeResult.StandardOutput) : null;
        if (inodes is null || inodes.Rows.Count == 0)
        {
            problems.Add($"Inode use is unknown: {DescribeInodeFailure(inodeResult, inodeRequest)}");
            return filesystems;
        }

        if (inodes.Quantity != DfQuantity.Inodes)
        {
            problems.Add($"Inode use is unknown: {inodeRequest.DisplayText} printed no Inodes column");
            return filesystems;
        }

        return MergeInodes(filesystems, inodes.Rows);
    }

    /// <summary>
    /// Drops pseudo filesystems and those of size 0, then keeps one row per block device: bind mounts
    /// repeat a device with the same numbers, and the shortest mount point is kept.
    /// </summary>
    private static List<FilesystemUsage> SelectStorageFilesystems(IReadOnlyList<DfRow> rows)
    {
        var byDevice = new Dictionary<string, int>(StringComparer.Ordinal);
        var selected = new List<FilesystemUsage>();
        foreach (var row in rows)
        {
            if (row.FilesystemType is { } type && PseudoFilesystemTypes.Contains(type))
            {
                continue;
            }

            if (row.Total is not > 0)
            {
                continue;
            }

            var usage = new FilesystemUsage(row.Source, row.FilesystemType, row.MountPoint, row.Total.Value, row.Used ?? 0, row.Available ?? 0);

            // Only paths name a device; sources such as ZFS datasets are already unique.
            if (row.Source.StartsWith('/') && byDevice.TryGetValue(row.Source, out var index))
            {
                if (usage.MountPoint.Length < selected[index].MountPoint.Length)
                {
                    selected[index] = usage;
                }

                continue;
            }

            byDevice[row.Source] = selected.Count;
            selected.Add(usage);
        }

        return selected;
    }

    private static List<FilesystemUsage> MergeInodes(List<FilesystemUsage> filesystems, IReadOnlyList<DfRow> inodeRows)
    {
        var byMountPoint = new Dictionary<string, DfRow>(StringComparer.Ordinal);
        foreach (var row in inodeRows)
        {
            byMountPoint.TryAdd(row.MountPoint, row);
        }

        return filesystems
            .Select(filesystem => byMountPoint.TryGetValue(filesystem.MountPoint, out var row)
                ? filesystem with { InodesTotal = row.Total, InodesUsed = row.Used }
                : filesystem)
            .ToList();
    }

    private static string DescribeInodeFailure(CommandResult result, CommandRequest request) =>
        result.Status == CommandStatus.Exited && result.ExitCode == 0
            ? $"{request.DisplayText} printed no filesystem lines"
            : result.Describe(request.DisplayText);
}
