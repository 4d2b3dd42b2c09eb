using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class FailedUnitDetectorTests
{
    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Fact]
    public void Detect_HealthyBaseline_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().Build()));
    }

    [Theory]
    [InlineData("nginx.service", Severity.Critical)]
    [InlineData("srv-data.mount", Severity.Critical)]
    [InlineData("backup.timer", Severity.Warning)]
    [InlineData("docker.socket", Severity.Warning)]
    [InlineData("multi-user.target", Severity.Warning)]
    public void Detect_FailedUnit_SeverityFollowsUnitType(string unitName, Severity expected)
    {
        var snapshot = new SnapshotBuilder().WithFailedUnit(new UnitState(unitName, "loaded", "failed", "failed", null)).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.FailedUnit, finding.Kind);
        Assert.Equal(unitName, finding.Subject);
        Assert.Equal(expected, finding.Severity);
    }

    [Fact]
    public void Detect_LoadedUnit_SummaryNamesUnitAndDescription()
    {
        var snapshot = new SnapshotBuilder()
            .WithFailedUnit(new UnitState("apache2.service", "loaded", "failed", "failed", "The Apache Webserver"))
            .Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("apache2.service (The Apache Webserver) has failed.", finding.Summary);
        Assert.Equal("load=loaded active=failed sub=failed description=\"The Apache Webserver\" system_state=degraded", finding.Evidence);
    }

    [Fact]
    public void Detect_NotFoundUnits_SummaryNamesStaleRecord()
    {
        // From TestData/cases/001-systemctl-failed-text-bullets.txt: the unit files are gone and no Description= is set.
        var snapshot = new SnapshotBuilder()
            .WithFailedUnit(new UnitState("sysroot-usr.mount", "not-found", "failed", "failed", null))
            .WithFailedUnit(new UnitState("sysroot-usr-fsck.service", "not-found", "failed", "failed", null))
            .Build();

        var findings = Detect(snapshot);

        Assert.Equal(["sysroot-usr.mount", "sysroot-usr-fsck.service"], findings.Select(f => f.Subject));
        Assert.All(findings, f => Assert.Contains("stale failure record", f.Summary, StringComparison.Ordinal));
        Assert.All(findings, f => Assert.StartsWith("load=not-found active=failed sub=failed", f.Evidence, StringComparison.Ordinal));
        Assert.All(findings, f => Assert.Equal(Severity.Critical, f.Severity));
    }

    [Fact]
    public void Detect_IgnoredUnit_ReturnsOnlyOtherUnits()
    {
        _options.CurrentValue.IgnoredUnits.Add("flaky.service");
        var snapshot = new SnapshotBuilder()
            .WithFailedUnit(new UnitState("flaky.service", "loaded", "failed", "failed", null))
            .WithFailedUnit(new UnitState("nginx.service", "loaded", "failed", "failed", null))
            .Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("nginx.service", finding.Subject);
    }

    [Fact]
    public void Detect_IgnoredUnitOtherCase_ReturnsFinding()
    {
        _options.CurrentValue.IgnoredUnits.Add("Flaky.service");
        var snapshot = new SnapshotBuilder().WithFailedUnit(new UnitState("flaky.service", "loaded", "failed", "failed", null)).Build();

        Assert.Single(Detect(snapshot));
    }

    [Fact]
    public void Detect_SystemdSectionMissing_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().WithoutSystemd().Build()));
    }

    private List<Finding> Detect(HostSnapshot snapshot) => new FailedUnitDetector(_options).Detect(snapshot, null).ToList();
}
