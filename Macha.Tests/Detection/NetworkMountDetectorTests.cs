using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class NetworkMountDetectorTests
{
    private static readonly NetworkMountStatus Responsive = new("/home", "nfs2:/export/home", "nfs4", NetworkMountState.Responsive);

    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Fact]
    public void Detect_AllResponsive_ReturnsNoFindings()
    {
        var findings = Detect([Responsive]);

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_OneUnresponsive_ReturnsFindingForItsMountPoint()
    {
        var dead = new NetworkMountStatus("/srv/archive", "nfs1:/export/archive", "nfs", NetworkMountState.Unresponsive, "stat -f did not return within 5 s: killed after 5 s");

        var finding = Assert.Single(Detect([Responsive, dead]));

        Assert.Equal(FindingKind.FilesystemUnresponsive, finding.Kind);
        Assert.Equal("/srv/archive", finding.Subject);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Contains("nfs1:/export/archive", finding.Summary, StringComparison.Ordinal);
        Assert.Contains("did not return within 5 s", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_NotChecked_ReturnsNoFindings()
    {
        var findings = Detect([Responsive with { State = NetworkMountState.NotChecked, Detail = "stat: program not found" }]);

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_UnresponsiveUnderIgnoredPrefix_ReturnsNoFindings()
    {
        var findings = Detect([new NetworkMountStatus("/run/user/1000/gvfs", "gvfsd-fuse", "fuse.sshfs", NetworkMountState.Unresponsive)]);

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_NoNetworkMounts_ReturnsNoFindings()
    {
        var findings = new NetworkMountDetector(_options).Detect(new SnapshotBuilder().Build(), null);

        Assert.Empty(findings);
    }

    private List<Finding> Detect(IReadOnlyList<NetworkMountStatus> mounts)
    {
        var snapshot = new SnapshotBuilder().Build();
        snapshot.NetworkMounts = mounts;
        return new NetworkMountDetector(_options).Detect(snapshot, null).ToList();
    }
}
