using System.Globalization;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Reports NixOS hosts that need a reboot to run their configured kernel, whose Nix store is short of
/// space or inodes, or that keep many system generations.
/// </summary>
/// <remarks>
/// Summaries suggest <c>nix-collect-garbage</c> for a person to run; Macha itself never deletes
/// generations here.
/// </remarks>
internal sealed class NixosDetector : IDetector
{
    public const string RebootSubject = NixosCollector.BootedSystemPath;
    public const string StoreSubject = NixosCollector.StorePath;
    public const string GenerationsSubject = NixosCollector.SystemProfilePath;

    private const string KernelComponent = "kernel";

    // Length of the base-32 hash that starts every store path name.
    private const int StoreHashLength = 32;

    private const string GarbageCollectionHint =
        "A person can delete old generations with `sudo nix-collect-garbage --delete-older-than 30d`, after checking what it would remove with `--dry-run`.";

    private readonly IOptionsMonitor<DetectionOptions> _options;

    public NixosDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        var nixos = current.Nixos;
        if (nixos is null)
        {
            return [];
        }

        var options = _options.CurrentValue;
        var findings = new List<Finding>();
        if (nixos.SystemLinks is { } links && RebootFinding(current.HostName, links) is { } reboot)
        {
            findings.Add(reboot);
        }

        if (nixos.Store is { } store && StoreFinding(current, store, options) is { } storeFinding)
        {
            findings.Add(storeFinding);
        }

        if (nixos.Generations is { } generations && GenerationsFinding(current.HostName, generations, options) is { } generationsFinding)
        {
            findings.Add(generationsFinding);
        }

        return findings;
    }

    /// <summary>
    /// Warning when the kernel changed, because the host runs a kernel without the fixes of the
    /// configured one until it reboots. Info when only the initrd or the kernel modules changed:
    /// the running kernel keeps loading modules of the booted system, so nothing is broken, but the
    /// next boot is the first test of them.
    /// </summary>
    private static Finding? RebootFinding(string hostName, NixosSystemLinks links)
    {
        var changed = links.ChangedComponents.ToList();
        if (changed.Count == 0)
        {
            return null;
        }

        var kernel = changed.FirstOrDefault(component => component.Name == KernelComponent);
        var severity = kernel is null ? Severity.Info : Severity.Warning;
        var changedNames = string.Join(", ", changed.Select(component => component.Name));
        var summary = kernel is null
            ? $"The switched-to configuration has a new {changedNames}; it takes effect at the next reboot."
            : $"The host runs {StoreName(kernel.BootedTarget)} but is configured for {StoreName(kernel.CurrentTarget)}; a reboot is needed to run the new kernel.";

        var evidence = new EvidenceText()
            .Add("changed", string.Join(',', changed.Select(component => component.Name)))
            .Add("current_system", links.CurrentSystem)
            .Add("booted_system", links.BootedSystem);
        foreach (var component in changed)
        {
            evidence
                .Add($"current_{component.Name}", component.CurrentTarget ?? "missing")
                .Add($"booted_{component.Name}", component.BootedTarget ?? "missing");
        }

        return new Finding(hostName, FindingKind.NixosRebootPending, RebootSubject, severity, summary, evidence.ToString());
    }

    /// <summary>
    /// Judges the store's filesystem by the disk thresholds, unless the disks collector already lists
    /// that filesystem, so the disk detector reports it and a second finding would repeat it. Space
    /// and inodes share one finding, because they share its fingerprint subject.
    /// </summary>
    private static Finding? StoreFinding(HostSnapshot current, FilesystemUsage store, DetectionOptions options)
    {
        if (IsCoveredByDiskCheck(store, current.Filesystems)
            || options.IgnoredMountPointPrefixes.Any(prefix => store.MountPoint.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return null;
        }

        var spaceSeverity = Thresholds.SeverityOf(store.UsedPercent, options.DiskUsedWarningPercent, options.DiskUsedCriticalPercent);
        var inodeSeverity = store.InodesUsedPercent is { } inodesUsed
            ? Thresholds.SeverityOf(inodesUsed, options.InodeUsedWarningPercent, options.InodeUsedCriticalPercent)
            : null;
        if (spaceSeverity is null && inodeSeverity is null)
        {
            return null;
        }

        var severity = (Severity)Math.Max((int)(spaceSeverity ?? Severity.Info), (int)(inodeSeverity ?? Severity.Info));
        var problems = new List<string>();
        if (spaceSeverity is not null)
        {
            problems.Add($"is {Quantities.WholePercent(store.UsedPercent)} full ({Quantities.Bytes(store.AvailableBytes)} free)");
        }

        if (inodeSeverity is not null)
        {
            var inodesFree = Math.Max(0, store.InodesTotal!.Value - store.InodesUsed!.Value);
            problems.Add($"has used {Quantities.WholePercent(store.InodesUsedPercent!.Value)} of its inodes ({inodesFree.ToString(CultureInfo.InvariantCulture)} left)");
        }

        var evidence = new EvidenceText()
            .Add("mount_point", store.MountPoint)
            .Add("source", store.Source)
            .AddPercent("used", store.UsedPercent)
            .AddBytes("available", store.AvailableBytes)
            .AddBytes("size", store.SizeBytes);
        if (store.InodesUsedPercent is { } inodesUsedPercent)
        {
            evidence.AddPercent("inodes_used", inodesUsedPercent).Add("inodes_total", store.InodesTotal!.Value);
        }

        evidence
            .AddPercent("warning_at", options.DiskUsedWarningPercent)
            .AddPercent("critical_at", options.DiskUsedCriticalPercent)
            .AddPercent("inode_warning_at", options.InodeUsedWarningPercent)
            .AddPercent("inode_critical_at", options.InodeUsedCriticalPercent);

        return new Finding(
            current.HostName,
            FindingKind.NixosStoreSpaceLow,
            StoreSubject,
            severity,
            $"The filesystem of the Nix store ({store.MountPoint}) {string.Join(" and ", problems)}. {GarbageCollectionHint}",
            evidence.ToString());
    }

    private static Finding? GenerationsFinding(string hostName, NixosGenerations generations, DetectionOptions options)
    {
        if (generations.Count is not { } count || count <= options.NixosGenerationsWarningCount)
        {
            return null;
        }

        var evidence = new EvidenceText()
            .Add("generations", count)
            .Add("oldest", generations.Oldest?.ToString(CultureInfo.InvariantCulture))
            .Add("current", generations.Current?.ToString(CultureInfo.InvariantCulture))
            .Add("current_built_at", generations.CurrentCreatedAt?.ToString("O", CultureInfo.InvariantCulture))
            .Add("warning_above", options.NixosGenerationsWarningCount);

        return new Finding(
            hostName,
            FindingKind.NixosManyGenerations,
            GenerationsSubject,
            Severity.Warning,
            $"The host keeps {count.ToString(CultureInfo.InvariantCulture)} NixOS system generations, more than {options.NixosGenerationsWarningCount.ToString(CultureInfo.InvariantCulture)}, and each keeps its store paths from garbage collection. {GarbageCollectionHint}",
            evidence.ToString());
    }

    /// <summary>
    /// True when the disks collector lists the store's filesystem: the same mount point, or the same
    /// source, because it keeps one mount point per device and /nix/store is often a bind mount.
    /// </summary>
    private static bool IsCoveredByDiskCheck(FilesystemUsage store, IReadOnlyList<FilesystemUsage>? filesystems)
    {
        if (filesystems is null)
        {
            return false;
        }

        var sourceIsDevice = !DiskCollector.PseudoFilesystemTypes.Contains(store.Source) && store.Source != "none";
        return filesystems.Any(filesystem =>
            filesystem.MountPoint == store.MountPoint
            || (sourceIsDevice && string.Equals(filesystem.Source, store.Source, StringComparison.Ordinal)));
    }

    /// <summary>Returns the name of a store path without its hash, such as "linux-6.6.63" for ".../abc…-linux-6.6.63/bzImage".</summary>
    private static string StoreName(string? path)
    {
        const string StorePrefix = NixosCollector.StorePath + "/";
        if (path is null)
        {
            return "no kernel";
        }

        if (!path.StartsWith(StorePrefix, StringComparison.Ordinal))
        {
            return path;
        }

        var name = path[StorePrefix.Length..];
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        name = slash < 0 ? name : name[..slash];
        return name.Length > StoreHashLength + 1 && name[StoreHashLength] == '-' ? name[(StoreHashLength + 1)..] : name;
    }
}
