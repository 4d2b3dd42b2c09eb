using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>Reports network filesystems that did not respond to their stat -f probe, with the mount point as subject.</summary>
/// <remarks>
/// Every process that touches a hung hard mount blocks in state D, so the mount is worth a finding of
/// its own even while the rest of the host looks healthy. A probe that could not run (stat missing,
/// permission denied) says nothing about the mount and raises nothing here; the disks collector
/// reports it as Partial.
/// </remarks>
internal sealed class NetworkMountDetector : IDetector
{
    private readonly IOptionsMonitor<DetectionOptions> _options;

    public NetworkMountDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        if (current.NetworkMounts is null)
        {
            return [];
        }

        var ignoredPrefixes = _options.CurrentValue.IgnoredMountPointPrefixes;
        return current.NetworkMounts
            .Where(mount => mount.State == NetworkMountState.Unresponsive)
            .Where(mount => !ignoredPrefixes.Any(prefix => mount.MountPoint.StartsWith(prefix, StringComparison.Ordinal)))
            .Select(mount => new Finding(
                current.HostName,
                FindingKind.FilesystemUnresponsive,
                mount.MountPoint,
                Severity.Warning,
                $"{mount.MountPoint} ({mount.FilesystemType} from {mount.Source}) does not respond, so programs that touch it hang.",
                new EvidenceText()
                    .Add("type", mount.FilesystemType)
                    .Add("source", mount.Source)
                    .Add("detail", mount.Detail)
                    .ToString()))
            .ToList();
    }
}
