using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class UnitFlappingDetectorTests
{
    private const string OtherBootId = "0d4b6c1a-2f3e-4a5b-8c7d-9e0f1a2b3c4d";

    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Fact]
    public void Detect_HealthyBaseline_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().Build(), new SnapshotBuilder().Build()));
    }

    [Theory]
    [InlineData(4, 6, false)]
    [InlineData(4, 7, true)]
    [InlineData(0, 3, true)]
    [InlineData(0, 2, false)]
    [InlineData(9, 2, false)]
    public void Detect_RestartsSincePrevious_ReturnsFindingFromThreshold(long before, long now, bool expected)
    {
        var previous = WithRestarts(before).Build();
        var current = WithRestarts(now).Build();

        var findings = Detect(current, previous);

        Assert.Equal(expected ? 1 : 0, findings.Count);
    }

    [Fact]
    public void Detect_Burst_ReturnsWarningWithCounts()
    {
        var previous = WithRestarts(2).Build();
        var current = WithRestarts(7).Build();

        var finding = Assert.Single(Detect(current, previous));

        Assert.Equal(FindingKind.UnitFlapping, finding.Kind);
        Assert.Equal("nginx.service", finding.Subject);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("systemd restarted nginx.service 5 times since the last check.", finding.Summary);
        Assert.Equal("restarts=7 previous_restarts=2 added=5 result=exit-code exec_main_status=1 threshold=3", finding.Evidence);
    }

    [Fact]
    public void Detect_ServiceAbsentFromPrevious_CountsFromZero()
    {
        var previous = new SnapshotBuilder().Build();
        var current = WithRestarts(4).Build();

        var finding = Assert.Single(Detect(current, previous));

        Assert.Contains("previous_restarts=0 added=4", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_DifferentBoot_ReturnsNoFindings()
    {
        var previous = WithRestarts(0).WithBoot(new BootSection(TimeSpan.FromDays(5), SnapshotBuilder.TakenAt.AddDays(-5), OtherBootId)).Build();
        var current = WithRestarts(8).Build();

        Assert.Empty(Detect(current, previous));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Detect_BootIdMissing_ReturnsNoFindings(bool currentMissing, bool previousMissing)
    {
        var noBootId = new BootSection(TimeSpan.FromDays(5), SnapshotBuilder.TakenAt.AddDays(-5), null);
        var previous = previousMissing ? WithRestarts(0).WithBoot(noBootId).Build() : WithRestarts(0).Build();
        var current = currentMissing ? WithRestarts(8).WithBoot(noBootId).Build() : WithRestarts(8).Build();

        Assert.Empty(Detect(current, previous));
    }

    [Fact]
    public void Detect_NoPreviousSnapshot_ReturnsNoFindings()
    {
        Assert.Empty(Detect(WithRestarts(8).Build(), null));
    }

    [Fact]
    public void Detect_PreviousCountsNotRead_ReturnsNoFindings()
    {
        var previous = new SnapshotBuilder().Build();
        previous.Systemd = previous.Systemd! with { ServiceRestarts = null };

        Assert.Empty(Detect(WithRestarts(8).Build(), previous));
    }

    [Fact]
    public void Detect_ConfiguredBurstCount_IsUsed()
    {
        _options.CurrentValue.UnitRestartBurstCount = 10;

        Assert.Empty(Detect(WithRestarts(8).Build(), WithRestarts(0).Build()));
    }

    [Fact]
    public void Detect_IgnoredUnit_ReturnsNoFindings()
    {
        _options.CurrentValue.IgnoredUnits.Add("nginx.service");

        Assert.Empty(Detect(WithRestarts(8).Build(), WithRestarts(0).Build()));
    }

    [Fact]
    public void Detect_TemplateInstance_KeepsNameAsSubject()
    {
        const string name = @"systemd-fsck@dev-disk-by\x2dlabel-500_boot.service";
        var current = new SnapshotBuilder().WithServiceRestarts(new ServiceRestarts(name, 3, "exit-code", 4)).Build();

        Assert.Equal(name, Assert.Single(Detect(current, new SnapshotBuilder().Build())).Subject);
    }

    private static SnapshotBuilder WithRestarts(long restarts)
    {
        var builder = new SnapshotBuilder();
        return restarts > 0 ? builder.WithServiceRestarts(new ServiceRestarts("nginx.service", restarts, "exit-code", 1)) : builder;
    }

    private List<Finding> Detect(HostSnapshot current, HostSnapshot? previous) =>
        new UnitFlappingDetector(_options).Detect(current, previous).ToList();
}
