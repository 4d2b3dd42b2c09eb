using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class RebootDetectorTests
{
    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Fact]
    public void Detect_SameBootId_ReturnsNoFindings()
    {
        var previous = new SnapshotBuilder().Build();

        Assert.Empty(Detect(new SnapshotBuilder().Build(), previous));
    }

    [Theory]
    [InlineData(29, true)]
    [InlineData(30, false)]
    [InlineData(31, false)]
    public void Detect_UptimeAroundWindow_ReturnsFindingBelowWindow(int uptimeMinutes, bool expected)
    {
        var snapshot = new SnapshotBuilder().WithBoot(Boot(TimeSpan.FromMinutes(uptimeMinutes), SnapshotBuilder.BootId)).Build();

        var findings = Detect(snapshot, null);

        Assert.Equal(expected ? 1 : 0, findings.Count);
    }

    [Fact]
    public void Detect_ShortUptime_ReturnsWarningForBoot()
    {
        var snapshot = new SnapshotBuilder().WithBoot(Boot(TimeSpan.FromMinutes(12), SnapshotBuilder.BootId)).Build();

        var finding = Assert.Single(Detect(snapshot, null));

        Assert.Equal(FindingKind.RecentReboot, finding.Kind);
        Assert.Equal("boot", finding.Subject);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("The host booted 12 minutes ago.", finding.Summary);
    }

    [Fact]
    public void Detect_BootIdChanged_ReturnsFinding()
    {
        // Cycles were paused for hours, so the new boot is older than the window.
        var previous = new SnapshotBuilder().Build();
        var current = new SnapshotBuilder().WithBoot(Boot(TimeSpan.FromHours(3), "0d4b6c1a-2f3e-4a5b-8c7d-9e0f1a2b3c4d")).Build();

        var finding = Assert.Single(Detect(current, previous));

        Assert.Equal("The host rebooted since the last check.", finding.Summary);
        Assert.Contains($"previous_boot_id={SnapshotBuilder.BootId}", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_BootIdUnreadable_ReturnsNoFindings()
    {
        var previous = new SnapshotBuilder().WithBoot(Boot(TimeSpan.FromDays(5), null)).Build();
        var current = new SnapshotBuilder().Build();

        Assert.Empty(Detect(current, previous));
        Assert.Empty(Detect(previous, current));
    }

    [Fact]
    public void Detect_PreviousBootSectionMissing_ReturnsNoFindings()
    {
        var previous = new SnapshotBuilder().WithBoot(null).Build();

        Assert.Empty(Detect(new SnapshotBuilder().Build(), previous));
    }

    [Fact]
    public void Detect_ZeroWindow_ReturnsNoFindings()
    {
        _options.CurrentValue.RecentRebootWindow = TimeSpan.Zero;
        var snapshot = new SnapshotBuilder().WithBoot(Boot(TimeSpan.FromMinutes(1), SnapshotBuilder.BootId)).Build();

        Assert.Empty(Detect(snapshot, null));
    }

    [Fact]
    public void Detect_TriggerChanges_FingerprintUnchanged()
    {
        var byUptime = Assert.Single(Detect(new SnapshotBuilder().WithBoot(Boot(TimeSpan.FromMinutes(5), "a")).Build(), null));
        var byBootId = Assert.Single(Detect(
            new SnapshotBuilder().WithBoot(Boot(TimeSpan.FromHours(5), "b")).Build(),
            new SnapshotBuilder().WithBoot(Boot(TimeSpan.FromDays(1), "a")).Build()));

        Assert.NotEqual(byUptime.Summary, byBootId.Summary);
        Assert.Equal(byUptime.Fingerprint, byBootId.Fingerprint);
    }

    [Fact]
    public void Detect_BootSectionMissing_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().WithBoot(null).Build(), new SnapshotBuilder().Build()));
    }

    private static BootSection Boot(TimeSpan uptime, string? bootId) =>
        new(uptime, SnapshotBuilder.TakenAt - uptime, bootId);

    private List<Finding> Detect(HostSnapshot current, HostSnapshot? previous) =>
        new RebootDetector(_options).Detect(current, previous).ToList();
}
