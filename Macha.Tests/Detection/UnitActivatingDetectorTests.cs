using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class UnitActivatingDetectorTests
{
    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Fact]
    public void Detect_HealthyBaseline_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().Build()));
    }

    [Theory]
    [InlineData(299, false)]
    [InlineData(300, true)]
    [InlineData(3600, true)]
    public void Detect_TimeInStateAroundThreshold_ReturnsFindingAtThreshold(int seconds, bool expected)
    {
        var snapshot = new SnapshotBuilder().WithTransitioningUnit(Activating("postgresql.service", TimeSpan.FromSeconds(seconds))).Build();

        var findings = Detect(snapshot);

        Assert.Equal(expected ? 1 : 0, findings.Count);
    }

    [Fact]
    public void Detect_UnitActivatingTooLong_ReturnsWarningForUnit()
    {
        var snapshot = new SnapshotBuilder().WithTransitioningUnit(Activating("postgresql.service", TimeSpan.FromMinutes(20))).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.UnitActivatingTooLong, finding.Kind);
        Assert.Equal("postgresql.service", finding.Subject);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("postgresql.service has been activating (start) for 20 minutes.", finding.Summary);
        Assert.Equal("active=activating sub=start in_state_seconds=1200 state_changed_after_boot_seconds=90800 threshold_seconds=300", finding.Evidence);
    }

    [Fact]
    public void Detect_UnitDeactivating_SummaryNamesState()
    {
        var unit = new TransitioningUnit("nfs-server.service", "deactivating", "stop-sigterm", null, TimeSpan.FromMinutes(7));
        var snapshot = new SnapshotBuilder().WithTransitioningUnit(unit).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("nfs-server.service has been deactivating (stop-sigterm) for 7 minutes.", finding.Summary);
        Assert.DoesNotContain("state_changed_after_boot_seconds", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_EscapedDeviceName_KeepsNameAsSubject()
    {
        const string name = @"dev-disk-by\x2duuid-does\x2dnot\x2dexist.device";
        var unit = new TransitioningUnit(name, "activating", "tentative", TimeSpan.FromSeconds(3), TimeSpan.FromHours(3));
        var snapshot = new SnapshotBuilder().WithTransitioningUnit(unit).Build();

        Assert.Equal(name, Assert.Single(Detect(snapshot)).Subject);
    }

    [Fact]
    public void Detect_TimeInStateUnknown_ReturnsNoFindings()
    {
        var unit = new TransitioningUnit("postgresql.service", "activating", "start", null, null);
        var snapshot = new SnapshotBuilder().WithTransitioningUnit(unit).Build();

        Assert.Empty(Detect(snapshot));
    }

    [Fact]
    public void Detect_ConfiguredThreshold_IsUsed()
    {
        _options.CurrentValue.UnitActivatingTooLong = TimeSpan.FromMinutes(30);
        var snapshot = new SnapshotBuilder().WithTransitioningUnit(Activating("postgresql.service", TimeSpan.FromMinutes(20))).Build();

        Assert.Empty(Detect(snapshot));
    }

    [Fact]
    public void Detect_IgnoredUnit_ReturnsNoFindings()
    {
        _options.CurrentValue.IgnoredUnits.Add("postgresql.service");
        var snapshot = new SnapshotBuilder().WithTransitioningUnit(Activating("postgresql.service", TimeSpan.FromMinutes(20))).Build();

        Assert.Empty(Detect(snapshot));
    }

    [Fact]
    public void Detect_TransitioningUnitsNotRead_ReturnsNoFindings()
    {
        var snapshot = new SnapshotBuilder().Build();
        snapshot.Systemd = snapshot.Systemd! with { TransitioningUnits = null };

        Assert.Empty(Detect(snapshot));
    }

    [Fact]
    public void Detect_SystemdSectionMissing_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().WithoutSystemd().Build()));
    }

    [Fact]
    public void Detect_TimeInStateGrows_FingerprintUnchanged()
    {
        var early = Assert.Single(Detect(new SnapshotBuilder().WithTransitioningUnit(Activating("postgresql.service", TimeSpan.FromMinutes(6))).Build()));
        var late = Assert.Single(Detect(new SnapshotBuilder().WithTransitioningUnit(Activating("postgresql.service", TimeSpan.FromHours(6))).Build()));

        Assert.NotEqual(early.Summary, late.Summary);
        Assert.Equal(early.Fingerprint, late.Fingerprint);
    }

    private static TransitioningUnit Activating(string name, TimeSpan inStateFor) =>
        new(name, "activating", "start", TimeSpan.FromSeconds(90800), inStateFor);

    private List<Finding> Detect(HostSnapshot snapshot) => new UnitActivatingDetector(_options).Detect(snapshot, null).ToList();
}
