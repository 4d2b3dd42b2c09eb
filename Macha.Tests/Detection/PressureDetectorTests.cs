using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class PressureDetectorTests
{
    private static readonly PressureAverages Calm = new(0.5, 0.4, 0.3, 1000);

    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Fact]
    public void Detect_CalmPressure_ReturnsNoFindings()
    {
        var findings = Detect(new PressureSection(new(Calm, null), new(Calm, Calm), new(Calm, Calm)));

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_NoPressureSection_ReturnsNoFindings()
    {
        var findings = new PressureDetector(_options).Detect(new SnapshotBuilder().Build(), null);

        Assert.Empty(findings);
    }

    [Theory]
    [InlineData(49.9, null)]
    [InlineData(50, Severity.Warning)]
    [InlineData(100, Severity.Warning)]
    public void Detect_CpuSomeAroundThreshold_ReturnsExpectedSeverity(double avg60, Severity? expected)
    {
        var cpu = new ResourcePressure(Calm with { Avg60 = avg60 }, null);

        var findings = Detect(new PressureSection(cpu, new(Calm, Calm), new(Calm, Calm)));

        AssertFinding(findings, "cpu", expected);
    }

    [Theory]
    [InlineData(9.9, null)]
    [InlineData(10, Severity.Warning)]
    [InlineData(29.9, Severity.Warning)]
    [InlineData(30, Severity.Critical)]
    public void Detect_MemoryFullAroundThresholds_ReturnsExpectedSeverity(double avg60, Severity? expected)
    {
        var memory = new ResourcePressure(Calm, Calm with { Avg60 = avg60 });

        var findings = Detect(new PressureSection(new(Calm, null), memory, new(Calm, Calm)));

        AssertFinding(findings, "memory", expected);
    }

    [Theory]
    [InlineData(19.9, null)]
    [InlineData(20, Severity.Warning)]
    [InlineData(50, Severity.Critical)]
    public void Detect_IoFullAroundThresholds_ReturnsExpectedSeverity(double avg60, Severity? expected)
    {
        var io = new ResourcePressure(Calm, Calm with { Avg60 = avg60 });

        var findings = Detect(new PressureSection(new(Calm, null), new(Calm, Calm), io));

        AssertFinding(findings, "io", expected);
    }

    [Fact]
    public void Detect_MemorySomeHighButFullLow_ReturnsNoFindings()
    {
        var memory = new ResourcePressure(Calm with { Avg60 = 90 }, Calm);

        var findings = Detect(new PressureSection(new(Calm, null), memory, new(Calm, Calm)));

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_MemoryWithoutFullLine_ReturnsNoFindings()
    {
        var memory = new ResourcePressure(Calm with { Avg60 = 90 }, null);

        var findings = Detect(new PressureSection(new(Calm, null), memory, new(Calm, Calm)));

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_MemoryStall_PutsAveragesInEvidence()
    {
        var memory = new ResourcePressure(Calm with { Avg60 = 40 }, Calm with { Avg60 = 12.34 });

        var finding = Assert.Single(Detect(new PressureSection(null, memory, null)));

        Assert.Contains("full_avg60=12.3%", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("some_avg60=40.0%", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("warning_at=10.0%", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("12% of the last minute", finding.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_ConfiguredThreshold_UsesIt()
    {
        _options.CurrentValue = new DetectionOptions { CpuPressureSomeAvg60WarningPercent = 90 };
        var cpu = new ResourcePressure(Calm with { Avg60 = 80 }, null);

        var findings = Detect(new PressureSection(cpu, null, null));

        Assert.Empty(findings);
    }

    private static void AssertFinding(IReadOnlyList<Finding> findings, string subject, Severity? expected)
    {
        if (expected is null)
        {
            Assert.Empty(findings);
            return;
        }

        var finding = Assert.Single(findings);
        Assert.Equal(FindingKind.PressureStall, finding.Kind);
        Assert.Equal(subject, finding.Subject);
        Assert.Equal(expected, finding.Severity);
    }

    private List<Finding> Detect(PressureSection pressure)
    {
        var snapshot = new SnapshotBuilder().Build();
        snapshot.Pressure = pressure;
        return new PressureDetector(_options).Detect(snapshot, null).ToList();
    }
}
