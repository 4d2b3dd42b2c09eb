using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class JournalDetectorTests
{
    private static readonly DateTimeOffset FirstSeen = SnapshotBuilder.TakenAt.AddMinutes(-5);

    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Fact]
    public void Detect_HealthyBaseline_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().Build()));
    }

    [Theory]
    [InlineData(19, false)]
    [InlineData(20, true)]
    [InlineData(21, true)]
    public void Detect_GroupCountAroundThreshold_ReturnsFindingAtOrAbove(int count, bool expected)
    {
        var snapshot = new SnapshotBuilder().WithJournalGroup(Group("nginx.service", "nginx", 3, count)).Build();

        var findings = Detect(snapshot);

        Assert.Equal(expected ? 1 : 0, findings.Count);
    }

    [Fact]
    public void Detect_ResolvedFlood_ReturnsOneFinding()
    {
        // In TestData/cases/010, systemd-resolved logged 4101 DNSSEC validation failures, which the collector
        // delivers as one group. They must become one finding, not one per line.
        var snapshot = new SnapshotBuilder()
            .WithJournalGroup(Group("systemd-resolved.service", "systemd-resolved", 3, 4101))
            .Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.JournalErrorBurst, finding.Kind);
        Assert.Equal("systemd-resolved.service", finding.Subject);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("systemd-resolved.service logged 4101 errors since the last check.", finding.Summary);
        Assert.Contains("count=4101", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_GroupWithoutUnit_SubjectIsIdentifier()
    {
        var snapshot = new SnapshotBuilder().WithJournalGroup(Group(null, "kernel", 3, 25)).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("kernel", finding.Subject);
    }

    [Fact]
    public void Detect_NoUnitOrIdentifier_SubjectIsUnknown()
    {
        var snapshot = new SnapshotBuilder().WithJournalGroup(Group(null, null, 3, 25)).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("unknown", finding.Subject);
    }

    [Fact]
    public void Detect_UnitWithTwoIdentifiers_ReturnsOneFinding()
    {
        // Neither group alone reaches 20, but together they do, and both share the unit's fingerprint.
        var snapshot = new SnapshotBuilder()
            .WithJournalGroup(Group("postgresql.service", "postgres", 3, 12))
            .WithJournalGroup(Group("postgresql.service", "pg_ctl", 2, 9))
            .Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("postgresql.service", finding.Subject);
        Assert.Contains("count=21", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("worst_priority=2", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("identifiers=postgres,pg_ctl", finding.Evidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, Severity.Critical)]
    [InlineData(2, Severity.Critical)]
    [InlineData(3, Severity.Warning)]
    public void Detect_BurstPriority_SetsSeverity(int priority, Severity expected)
    {
        var snapshot = new SnapshotBuilder().WithJournalGroup(Group("app.service", "app", priority, 30)).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(expected, finding.Severity);
    }

    [Fact]
    public void Detect_Burst_EvidenceLeavesOutLogLines()
    {
        var group = Group("app.service", "app", 3, 30) with { Samples = ["login failed for token=abc123"] };
        var snapshot = new SnapshotBuilder().WithJournalGroup(group).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.DoesNotContain("abc123", finding.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain("abc123", finding.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_ConfiguredThresholdReached_ReturnsFinding()
    {
        _options.CurrentValue.JournalErrorBurstCount = 5;
        var snapshot = new SnapshotBuilder().WithJournalGroup(Group("app.service", "app", 3, 5)).Build();

        Assert.Single(Detect(snapshot));
    }

    [Fact]
    public void Detect_CountGrows_FingerprintUnchanged()
    {
        var first = Assert.Single(Detect(new SnapshotBuilder().WithJournalGroup(Group("app.service", "app", 3, 25)).Build()));
        var second = Assert.Single(Detect(new SnapshotBuilder().WithJournalGroup(Group("app.service", "app", 2, 900)).Build()));

        Assert.NotEqual(first.Summary, second.Summary);
        Assert.NotEqual(first.Severity, second.Severity);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
    }

    [Fact]
    public void Detect_JournalSectionMissing_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().WithoutJournal().Build()));
    }

    private static JournalErrorGroup Group(string? unit, string? identifier, int priority, int count) =>
        new(unit, identifier, priority, count, FirstSeen, SnapshotBuilder.TakenAt, ["sample line"]);

    private List<Finding> Detect(HostSnapshot snapshot) => new JournalDetector(_options).Detect(snapshot, null).ToList();
}
