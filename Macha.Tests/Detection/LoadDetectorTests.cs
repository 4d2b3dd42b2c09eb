using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class LoadDetectorTests
{
    private static readonly CpuCounters Counters = new(100_000, 500, 30_000, 900_000, 2_000, 0, 300, 0);

    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Fact]
    public void Detect_HealthyBaseline_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().Build()));
    }

    [Theory]
    [InlineData(7.96, null)]
    [InlineData(8.0, Severity.Warning)]
    [InlineData(15.96, Severity.Warning)]
    [InlineData(16.0, Severity.Critical)]
    [InlineData(64.0, Severity.Critical)]
    public void Detect_LoadAroundThresholds_ReturnsSeverity(double load5, Severity? expected)
    {
        var snapshot = new SnapshotBuilder().WithLoad(new LoadSection(0.5, load5, 0.5, 4)).Build();

        var findings = Detect(snapshot);

        if (expected is null)
        {
            Assert.Empty(findings);
            return;
        }

        var finding = Assert.Single(findings);
        Assert.Equal(FindingKind.HighLoad, finding.Kind);
        Assert.Equal("load", finding.Subject);
        Assert.Equal(expected, finding.Severity);
    }

    [Fact]
    public void Detect_OneMinuteSpike_ReturnsNoFindings()
    {
        var snapshot = new SnapshotBuilder().WithLoad(new LoadSection(40, 1.0, 0.5, 4)).Build();

        Assert.Empty(Detect(snapshot));
    }

    [Fact]
    public void Detect_HighLoad_SummaryGivesPerCpuLoad()
    {
        var snapshot = new SnapshotBuilder().WithLoad(new LoadSection(30, 37, 20, 4)).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("Load is 9.25 per CPU over 5 minutes (37.0 on 4 CPUs).", finding.Summary);
        Assert.Contains("logical_cpus=4", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_UnknownCpuCount_UsesTotalLoad()
    {
        var snapshot = new SnapshotBuilder().WithLoad(new LoadSection(3, 3, 3, 0)).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Contains("an unknown number of CPUs", finding.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(94.9, false)]
    [InlineData(95.0, true)]
    [InlineData(100.0, true)]
    public void Detect_CpuUsageAroundThreshold_ReturnsWarningAtOrAbove(double usagePercent, bool expected)
    {
        var snapshot = new SnapshotBuilder().WithCpu(new CpuSection(Counters, 4, usagePercent, 1.5)).Build();

        var findings = Detect(snapshot);

        if (!expected)
        {
            Assert.Empty(findings);
            return;
        }

        var finding = Assert.Single(findings);
        Assert.Equal(FindingKind.HighCpu, finding.Kind);
        Assert.Equal("cpu", finding.Subject);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Contains("iowait=1.5%", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_FirstCpuSample_ReturnsNoFindings()
    {
        var snapshot = new SnapshotBuilder().WithCpu(new CpuSection(Counters, 4, null, null)).Build();

        Assert.Empty(Detect(snapshot));
    }

    [Fact]
    public void Detect_SectionsMissing_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().WithLoad(null).WithCpu(null).Build()));
    }

    [Fact]
    public void Detect_SeverityRises_FingerprintUnchanged()
    {
        var warning = Assert.Single(Detect(new SnapshotBuilder().WithLoad(new LoadSection(9, 9, 9, 4)).Build()));
        var critical = Assert.Single(Detect(new SnapshotBuilder().WithLoad(new LoadSection(20, 20, 20, 4)).Build()));

        Assert.NotEqual(warning.Severity, critical.Severity);
        Assert.Equal(warning.Fingerprint, critical.Fingerprint);
    }

    private List<Finding> Detect(HostSnapshot snapshot) => new LoadDetector(_options).Detect(snapshot, null).ToList();
}
