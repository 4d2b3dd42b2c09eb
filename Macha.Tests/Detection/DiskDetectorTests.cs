using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class DiskDetectorTests
{
    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Fact]
    public void Detect_HealthyBaseline_ReturnsNoFindings()
    {
        var findings = Detect(new SnapshotBuilder().Build());

        Assert.Empty(findings);
    }

    [Theory]
    [InlineData(849, null)]
    [InlineData(850, Severity.Warning)]
    [InlineData(949, Severity.Warning)]
    [InlineData(950, Severity.Critical)]
    [InlineData(1000, Severity.Critical)]
    public void Detect_SpaceAroundThresholds_ReturnsExpectedSeverity(int usedPerMille, Severity? expected)
    {
        var snapshot = new SnapshotBuilder().WithFilesystem(SnapshotBuilder.Filesystem("/srv", usedPerMille)).Build();

        var findings = Detect(snapshot);

        if (expected is null)
        {
            Assert.Empty(findings);
            return;
        }

        var finding = Assert.Single(findings);
        Assert.Equal(FindingKind.DiskSpace, finding.Kind);
        Assert.Equal("/srv", finding.Subject);
        Assert.Equal(expected, finding.Severity);
        Assert.Equal(SnapshotBuilder.HostName, finding.HostName);
    }

    [Theory]
    [InlineData(849, null)]
    [InlineData(850, Severity.Warning)]
    [InlineData(949, Severity.Warning)]
    [InlineData(950, Severity.Critical)]
    [InlineData(1000, Severity.Critical)]
    public void Detect_InodesAroundThresholds_ReturnsExpectedSeverity(long inodesUsed, Severity? expected)
    {
        var snapshot = new SnapshotBuilder()
            .WithFilesystem(SnapshotBuilder.Filesystem("/srv", 100, inodesTotal: 1000, inodesUsed: inodesUsed))
            .Build();

        var findings = Detect(snapshot);

        if (expected is null)
        {
            Assert.Empty(findings);
            return;
        }

        var finding = Assert.Single(findings);
        Assert.Equal(FindingKind.InodeUsage, finding.Kind);
        Assert.Equal("/srv", finding.Subject);
        Assert.Equal(expected, finding.Severity);
    }

    [Fact]
    public void Detect_RootInodesFull_ReturnsCriticalInodeFinding()
    {
        var snapshot = new SnapshotBuilder()
            .WithFilesystem(new FilesystemUsage("/dev/sda2", "ext4", "/", 100 * SnapshotBuilder.GiB, 40 * SnapshotBuilder.GiB, 55 * SnapshotBuilder.GiB, 6_553_600, 6_553_600))
            .Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.InodeUsage, finding.Kind);
        Assert.Equal("/", finding.Subject);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal("/ has used 100% of its inodes (0 left).", finding.Summary);
    }

    [Fact]
    public void Detect_InodesFullSpaceFine_ReturnsOnlyInodeFinding()
    {
        // The NixOS VM of TestData/cases/013-df-inodes-exhausted-nixos.txt, converted from df -h and
        // df -ih to the collector's byte and inode counts: / is about 69% full by space, with 8 of 1.6M inodes free.
        var snapshot = new SnapshotBuilder()
            .WithFilesystem(new FilesystemUsage("/dev/sda2", "ext4", "/", 25 * SnapshotBuilder.GiB, 16 * SnapshotBuilder.GiB, 7680 * SnapshotBuilder.MiB, 1_638_400, 1_638_392))
            .WithFilesystem(new FilesystemUsage("/dev/sda1", "vfat", "/boot", 500 * SnapshotBuilder.MiB, 46 * SnapshotBuilder.MiB, 455 * SnapshotBuilder.MiB, 0, 0))
            .WithFilesystem(new FilesystemUsage("tmpfs", "tmpfs", "/run/wrappers", 3174 * SnapshotBuilder.MiB, 1, 3174 * SnapshotBuilder.MiB, 808_960, 39))
            .WithFilesystem(new FilesystemUsage("tmpfs", "tmpfs", "/run/user/175", 632 * SnapshotBuilder.MiB, 0, 632 * SnapshotBuilder.MiB, 808_960, 6))
            .Build();

        var findings = Detect(snapshot);

        var finding = Assert.Single(findings);
        Assert.Equal(FindingKind.InodeUsage, finding.Kind);
        Assert.Equal("/", finding.Subject);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Contains("inodes_free=8", finding.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain(findings, f => f.Kind == FindingKind.DiskSpace);
    }

    [Fact]
    public void Detect_NoInodeAccounting_ReturnsNoFindings()
    {
        var snapshot = new SnapshotBuilder()
            .WithFilesystem(SnapshotBuilder.Filesystem("/data", 100, inodesTotal: null, inodesUsed: null))
            .WithFilesystem(SnapshotBuilder.Filesystem("/boot", 100, inodesTotal: 0, inodesUsed: 0))
            .Build();

        Assert.Empty(Detect(snapshot));
    }

    [Fact]
    public void Detect_UnderRunUser_ReturnsNoFindings()
    {
        var snapshot = new SnapshotBuilder()
            .WithFilesystem(SnapshotBuilder.Filesystem("/run/user/1000", 1000, inodesTotal: 1000, inodesUsed: 1000))
            .Build();

        Assert.Empty(Detect(snapshot));
    }

    [Fact]
    public void Detect_ConfiguredIgnoredPrefix_ReturnsNoFindings()
    {
        _options.CurrentValue.IgnoredMountPointPrefixes.Add("/snap/");
        var snapshot = new SnapshotBuilder().WithFilesystem(SnapshotBuilder.Filesystem("/snap/core/123", 1000)).Build();

        Assert.Empty(Detect(snapshot));
    }

    [Fact]
    public void Detect_PrefixWithoutSlash_ReturnsFinding()
    {
        var snapshot = new SnapshotBuilder().WithFilesystem(SnapshotBuilder.Filesystem("/run/user", 960)).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("/run/user", finding.Subject);
    }

    [Fact]
    public void Detect_SpaceAndInodesFull_ReturnsBothKinds()
    {
        var snapshot = new SnapshotBuilder()
            .WithFilesystem(SnapshotBuilder.Filesystem("/var", 960, inodesTotal: 1000, inodesUsed: 900))
            .Build();

        var findings = Detect(snapshot);

        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f is { Kind: FindingKind.DiskSpace, Severity: Severity.Critical, Subject: "/var" });
        Assert.Contains(findings, f => f is { Kind: FindingKind.InodeUsage, Severity: Severity.Warning, Subject: "/var" });
    }

    [Fact]
    public void Detect_SpaceFull_SummaryGivesFreeSpace()
    {
        var snapshot = new SnapshotBuilder()
            .WithFilesystem(new FilesystemUsage("/dev/sda2", "ext4", "/", 30 * SnapshotBuilder.GiB, 28 * SnapshotBuilder.GiB, 1229 * SnapshotBuilder.MiB))
            .Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("/ is 95% full (1.2 GiB free).", finding.Summary);
        Assert.Contains("used=95.9%", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("available=1.2GiB", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("source=/dev/sda2", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_SeverityRises_FingerprintUnchanged()
    {
        var warning = Assert.Single(Detect(new SnapshotBuilder().WithFilesystem(SnapshotBuilder.Filesystem("/srv", 900)).Build()));
        var critical = Assert.Single(Detect(new SnapshotBuilder().WithFilesystem(SnapshotBuilder.Filesystem("/srv", 990)).Build()));

        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Equal(Severity.Critical, critical.Severity);
        Assert.NotEqual(warning.Summary, critical.Summary);
        Assert.Equal(warning.Fingerprint, critical.Fingerprint);
    }

    [Fact]
    public void Detect_ThresholdsChanged_FingerprintUnchanged()
    {
        var snapshot = new SnapshotBuilder().WithFilesystem(SnapshotBuilder.Filesystem("/srv", 900)).Build();
        var before = Assert.Single(Detect(snapshot));

        _options.CurrentValue = new DetectionOptions { DiskUsedWarningPercent = 70, DiskUsedCriticalPercent = 80 };
        var after = Assert.Single(Detect(snapshot));

        Assert.NotEqual(before.Evidence, after.Evidence);
        Assert.Equal(before.Fingerprint, after.Fingerprint);
    }

    [Fact]
    public void Detect_FilesystemsSectionMissing_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().WithoutFilesystems().Build()));
    }

    private List<Finding> Detect(HostSnapshot snapshot) => new DiskDetector(_options).Detect(snapshot, null).ToList();
}
