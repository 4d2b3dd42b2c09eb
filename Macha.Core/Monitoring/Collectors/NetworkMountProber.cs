using System.Globalization;
using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>The network mounts found and, for those that responded, their space and inode use.</summary>
internal sealed record NetworkMountProbeResult(IReadOnlyList<NetworkMountStatus> Statuses, IReadOnlyList<FilesystemUsage> Measured);

/// <summary>
/// Finds network filesystems in the mount table and measures each with <c>stat -f</c> under its own
/// short timeout, so a dead NFS server makes only its own mount unresponsive.
/// </summary>
/// <remarks>
/// df -l leaves these mounts out, because a hard-mounted share whose server is gone blocks every
/// statfs call on it, and a blocked df would hide every other filesystem. Probes run a few at a time:
/// enough that several dead mounts cost about one timeout, and few enough to stay well within the
/// ten sessions per connection that OpenSSH allows by default.
/// </remarks>
internal static class NetworkMountProber
{
    public const string MountInfoPath = "/proc/self/mountinfo";

    public const string MountsPath = "/proc/mounts";

    /// <summary>Probes started at once.</summary>
    public const int MaxParallelProbes = 4;

    /// <summary>Mounts probed per cycle; the rest are listed as not checked.</summary>
    public const int MaxProbedMounts = 32;

    /// <summary>
    /// Filesystem types whose data lives on another machine. Types that df -l already measures,
    /// such as 9p, are skipped when df listed their mount point.
    /// </summary>
    public static readonly IReadOnlySet<string> NetworkFilesystemTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "9p",
        "afs",
        "beegfs",
        "ceph",
        "cifs",
        "davfs",
        "fuse.ceph-fuse",
        "fuse.glusterfs",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.sshfs",
        "glusterfs",
        "gpfs",
        "lustre",
        "ncpfs",
        "nfs",
        "nfs4",
        "smb3",
        "smbfs",
    };

    // At roughly 150 bytes a line (an estimate), a host with tens of thousands of container mounts fits.
    public const int MaxMountTableBytes = 8 * 1024 * 1024;

    private const int MaxStatOutputBytes = 4096;

    // Linux's PATH_MAX; a longer mount point cannot be passed to stat.
    private const int MaxMountPointLength = 4096;

    /// <summary>
    /// Probes every network mount whose mount point is not in <paramref name="measuredMountPoints"/>.
    /// Returns null, and adds the reason to <paramref name="problems"/>, when no mount table could be read.
    /// </summary>
    public static async Task<NetworkMountProbeResult?> ProbeAsync(
        CollectionContext context,
        IReadOnlySet<string> measuredMountPoints,
        List<string> problems,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(measuredMountPoints);
        ArgumentNullException.ThrowIfNull(problems);

        var table = await ReadMountTableAsync(context, problems, cancellationToken);
        if (table is null)
        {
            return null;
        }

        // A mount point mounted over twice shows its later entry, which is the one a path reaches.
        var mounts = table.Mounts
            .Where(mount => NetworkFilesystemTypes.Contains(mount.FilesystemType) && !measuredMountPoints.Contains(mount.MountPoint))
            .GroupBy(mount => mount.MountPoint, StringComparer.Ordinal)
            .Select(group => group.Last())
            .ToList();

        var statuses = new List<NetworkMountStatus>();
        var measured = new List<FilesystemUsage>();
        var probed = mounts.Take(MaxProbedMounts).ToList();
        for (var start = 0; start < probed.Count; start += MaxParallelProbes)
        {
            // Each probe is started before the first is awaited, so a batch takes as long as its slowest probe.
            var batch = probed.Skip(start).Take(MaxParallelProbes).Select(mount => ProbeOneAsync(context, mount, cancellationToken)).ToList();
            foreach (var (status, usage) in await Task.WhenAll(batch))
            {
                statuses.Add(status);
                if (usage is not null)
                {
                    measured.Add(usage);
                }
            }
        }

        foreach (var mount in mounts.Skip(MaxProbedMounts))
        {
            statuses.Add(new NetworkMountStatus(
                mount.MountPoint, mount.Source, mount.FilesystemType, NetworkMountState.NotChecked, $"only the first {MaxProbedMounts} network mounts are probed"));
        }

        if (mounts.Count > MaxProbedMounts)
        {
            problems.Add($"{mounts.Count - MaxProbedMounts} of {mounts.Count} network mounts were not probed; at most {MaxProbedMounts} are per cycle");
        }

        return new NetworkMountProbeResult(statuses, KeepOnePerSource(measured));
    }

    private static async Task<MountTable?> ReadMountTableAsync(CollectionContext context, List<string> problems, CancellationToken cancellationToken)
    {
        var mountInfo = await context.ReadFileAsync(MountInfoPath, MaxMountTableBytes, cancellationToken);
        MountTable table;
        string path;
        if (mountInfo.Exists)
        {
            table = MountTableParser.ParseMountInfo(mountInfo.Content);
            path = MountInfoPath;
        }
        else
        {
            // Kernels before 2.6.26 have no mountinfo.
            var mounts = await context.ReadFileAsync(MountsPath, MaxMountTableBytes, cancellationToken);
            if (!mounts.Exists)
            {
                problems.Add($"Network mounts were not checked: could not read {MountInfoPath} ({mountInfo.Error}) or {MountsPath} ({mounts.Error})");
                return null;
            }

            table = MountTableParser.ParseMounts(mounts.Content);
            path = MountsPath;
        }

        if (table.Mounts.Count == 0)
        {
            problems.Add($"Network mounts were not checked: {path} lists no mounts that could be parsed, starting '{CollectorStatus.Excerpt(table.UnparsedLines.Count > 0 ? table.UnparsedLines[0] : string.Empty)}'");
            return null;
        }

        if (table.UnparsedLines.Count > 0)
        {
            problems.Add($"{table.UnparsedLines.Count} lines of {path} could not be parsed, so a network mount may be missed; the first is '{CollectorStatus.Excerpt(table.UnparsedLines[0])}'");
        }

        return table;
    }

    private static async Task<(NetworkMountStatus Status, FilesystemUsage? Usage)> ProbeOneAsync(
        CollectionContext context, MountEntry mount, CancellationToken cancellationToken)
    {
        if (!mount.MountPoint.StartsWith('/') || mount.MountPoint.Contains('\0', StringComparison.Ordinal) || mount.MountPoint.Length > MaxMountPointLength)
        {
            return (Status(mount, NetworkMountState.NotChecked, "the mount point is not an absolute path that stat accepts"), null);
        }

        var timeout = context.Options.NetworkMountTimeout;

        // "--" ends stat's options, so the mount point is never read as one.
        var request = new CommandRequest("stat", ["-f", "-c", StatFsParser.Format, "--", mount.MountPoint], timeout, MaxStatOutputBytes);
        var result = await context.Shell.RunAsync(request, cancellationToken);

        switch (result.Status)
        {
            case CommandStatus.TimedOut:
                // LocalProcessShell also returns TimedOut at once while an earlier probe is still stuck after its kill.
                var seconds = timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
                return (Status(mount, NetworkMountState.Unresponsive, $"stat -f did not return within {seconds} s: {result.FailureReason ?? "killed"}"), null);
            case CommandStatus.NotFound or CommandStatus.Failed:
                return (Status(mount, NetworkMountState.NotChecked, result.Describe("stat")), null);
        }

        if (result.ExitCode != 0)
        {
            var error = FirstLine(result.StandardError);

            // A permission error shows nothing about whether the server responds.
            var state = error.Contains("Permission denied", StringComparison.Ordinal) ? NetworkMountState.NotChecked : NetworkMountState.Unresponsive;
            return (Status(mount, state, $"stat -f exited with code {result.ExitCode}: {error}"), null);
        }

        var figures = StatFsParser.Parse(result.StandardOutput);
        if (!figures.Succeeded)
        {
            return (Status(mount, NetworkMountState.NotChecked, $"could not parse the output of stat -f ({figures.Error}): '{CollectorStatus.Excerpt(result.StandardOutput.Trim())}'"), null);
        }

        var usage = figures.Value.SizeBytes > 0
            ? new FilesystemUsage(
                mount.Source,
                mount.FilesystemType,
                mount.MountPoint,
                figures.Value.SizeBytes,
                figures.Value.UsedBytes,
                figures.Value.AvailableBytes,
                figures.Value.InodesTotal,
                figures.Value.InodesUsed)
            : null;
        return (Status(mount, NetworkMountState.Responsive, null), usage);
    }

    /// <summary>Keeps one entry per source, the one with the shortest mount point, as the local disk list does for bind mounts.</summary>
    private static List<FilesystemUsage> KeepOnePerSource(List<FilesystemUsage> measured) =>
        measured
            .GroupBy(usage => usage.Source, StringComparer.Ordinal)
            .Select(group => group.OrderBy(usage => usage.MountPoint.Length).First())
            .ToList();

    private static NetworkMountStatus Status(MountEntry mount, NetworkMountState state, string? detail) =>
        new(mount.MountPoint, mount.Source, mount.FilesystemType, state, detail);

    private static string FirstLine(string text)
    {
        var line = text.Trim().Split('\n')[0];
        return CollectorStatus.Excerpt(line);
    }
}
