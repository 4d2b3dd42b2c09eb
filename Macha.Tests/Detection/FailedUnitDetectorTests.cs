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

    [Theory]
    [InlineData(5, true)]
    [InlineData(599, true)]
    [InlineData(600, false)]
    [InlineData(7200, false)]
    public void Detect_FailedSoonAfterBoot_SaysDuringBoot(int secondsAfterBoot, bool expected)
    {
        var unit = NginxFailed(TimeSpan.FromSeconds(secondsAfterBoot));
        var snapshot = new SnapshotBuilder().WithFailedUnit(unit).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(expected ? "nginx.service (nginx web server) failed during boot." : "nginx.service (nginx web server) has failed.", finding.Summary);
        Assert.Equal(expected, finding.Evidence.Contains("failed_during_boot=true", StringComparison.Ordinal));
    }

    [Fact]
    public void Detect_FailureDetails_AddedToEvidence()
    {
        var snapshot = new SnapshotBuilder().WithFailedUnit(NginxFailed(TimeSpan.FromSeconds(5.2))).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(
            "load=loaded active=failed sub=failed description=\"nginx web server\" system_state=degraded result=exit-code exec_main_code=exited " +
            "exec_main_status=1 restarts=5 fragment_path=/lib/systemd/system/nginx.service inactive_enter=\"Thu 2026-12-03 10:26:45 UTC\" " +
            "failed_after_boot_seconds=5 failed_during_boot=true",
            finding.Evidence);
    }

    [Fact]
    public void Detect_ZeroBootWindow_NeverSaysDuringBoot()
    {
        _options.CurrentValue.UnitFailedDuringBootWindow = TimeSpan.Zero;
        var snapshot = new SnapshotBuilder().WithFailedUnit(NginxFailed(TimeSpan.FromSeconds(5))).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("nginx.service (nginx web server) has failed.", finding.Summary);
    }

    [Fact]
    public void Detect_FailureTimeUnknown_SummarySaysHasFailed()
    {
        var snapshot = new SnapshotBuilder().WithFailedUnit(NginxFailed(null)).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("nginx.service (nginx web server) has failed.", finding.Summary);
        Assert.DoesNotContain("failed_after_boot_seconds", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_NotFoundUnitFailedDuringBoot_StaysStaleRecord()
    {
        const string loadError = "org.freedesktop.systemd1.NoSuchUnit \"Unit sysroot-usr.mount not found.\"";
        var details = new UnitFailureDetails("exit-code", null, null, null, null, loadError, null, "Thu 2026-12-03 10:26:44 UTC", TimeSpan.FromSeconds(4.2));
        var snapshot = new SnapshotBuilder()
            .WithFailedUnit(new UnitState("sysroot-usr.mount", "not-found", "failed", "failed", null, details))
            .Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("sysroot-usr.mount is a stale failure record: it failed and its unit file no longer exists. It failed during boot.", finding.Summary);
        Assert.Contains("load_error=\"org.freedesktop.systemd1.NoSuchUnit \\\"Unit sysroot-usr.mount not found.\\\"\"", finding.Evidence, StringComparison.Ordinal);
    }

    private static UnitState NginxFailed(TimeSpan? failedAfterBoot) => new(
        "nginx.service",
        "loaded",
        "failed",
        "failed",
        "nginx web server",
        new UnitFailureDetails("exit-code", "exited", 1, 5, "/lib/systemd/system/nginx.service", null, null, "Thu 2026-12-03 10:26:45 UTC", failedAfterBoot));

    private List<Finding> Detect(HostSnapshot snapshot) => new FailedUnitDetector(_options).Detect(snapshot, null).ToList();
}
