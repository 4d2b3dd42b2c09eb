using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>Reports filesystems short of space or of inodes, with the mount point as subject.</summary>
internal sealed class DiskDetector : IDetector
{
    private readonly IOptionsMonitor<DetectionOptions> _options;

    public DiskDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        if (current.Filesystems is null)
        {
            return [];
        }

        var options = _options.CurrentValue;
        var findings = new List<Finding>();
        foreach (var filesystem in current.Filesystems)
        {
            if (IsIgnored(filesystem.MountPoint, options.IgnoredMountPointPrefixes))
            {
                continue;
            }

            var spaceSeverity = Thresholds.SeverityOf(filesystem.UsedPercent, options.DiskUsedWarningPercent, options.DiskUsedCriticalPercent);
            if (spaceSeverity is { } space)
            {
                findings.Add(SpaceFinding(current.HostName, filesystem, space, options));
            }

            // A filesystem without inode accounting (btrfs, vfat) reports no percentage and is never flagged.
            if (filesystem.InodesUsedPercent is { } inodesUsedPercent
                && Thresholds.SeverityOf(inodesUsedPercent, options.InodeUsedWarningPercent, options.InodeUsedCriticalPercent) is { } inodes)
            {
                findings.Add(InodeFinding(current.HostName, filesystem, inodesUsedPercent, inodes, options));
            }
        }

        return findings;
    }

    private static bool IsIgnored(string mountPoint, List<string> prefixes) =>
        prefixes.Any(prefix => mountPoint.StartsWith(prefix, StringComparison.Ordinal));

    private static Finding SpaceFinding(string hostName, FilesystemUsage filesystem, Severity severity, DetectionOptions options) =>
        new(
            hostName,
            FindingKind.DiskSpace,
            filesystem.MountPoint,
            severity,
            $"{filesystem.MountPoint} is {Quantities.WholePercent(filesystem.UsedPercent)} full ({Quantities.Bytes(filesystem.AvailableBytes)} free).",
            new EvidenceText()
                .AddPercent("used", filesystem.UsedPercent)
                .AddBytes("used_size", filesystem.UsedBytes)
                .AddBytes("available", filesystem.AvailableBytes)
                .AddBytes("size", filesystem.SizeBytes)
                .Add("source", filesystem.Source)
                .Add("type", filesystem.FilesystemType)
                .AddPercent("warning_at", options.DiskUsedWarningPercent)
                .AddPercent("critical_at", options.DiskUsedCriticalPercent)
                .ToString());

    private static Finding InodeFinding(
        string hostName, FilesystemUsage filesystem, double usedPercent, Severity severity, DetectionOptions options)
    {
        // Both are set whenever InodesUsedPercent is.
        var total = filesystem.InodesTotal!.Value;
        var used = filesystem.InodesUsed!.Value;
        var free = Math.Max(0, total - used);

        return new Finding(
            hostName,
            FindingKind.InodeUsage,
            filesystem.MountPoint,
            severity,
            $"{filesystem.MountPoint} has used {Quantities.WholePercent(usedPercent)} of its inodes ({free} left).",
            new EvidenceText()
                .AddPercent("inodes_used", usedPercent)
                .Add("inodes_used_count", used)
                .Add("inodes_free", free)
                .Add("inodes_total", total)
                .AddPercent("space_used", filesystem.UsedPercent)
                .Add("source", filesystem.Source)
                .Add("type", filesystem.FilesystemType)
                .AddPercent("warning_at", options.InodeUsedWarningPercent)
                .AddPercent("critical_at", options.InodeUsedCriticalPercent)
                .ToString());
    }
}
