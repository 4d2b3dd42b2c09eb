using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class ProcessesDetectorTests
{
    private static readonly ProcessInfo Stuck = new(901, "root", "nfsiod", "D", 0, 0);

    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Theory]
    [InlineData(0, false)]
    [InlineData(4, false)]
    [InlineData(5, true)]
    [InlineData(40, true)]
    public void Detect_UninterruptibleAroundThreshold_RaisesAtFive(int count, bool expected)
    {
        var findings = Detect(Section(count));

        Assert.Equal(expected, findings.Count == 1);
    }

    [Fact]
    public void Detect_ManyStuck_ReturnsWarningForHost()
    {
        var finding = Assert.Single(Detect(Section(7)));

        Assert.Equal(FindingKind.ProcessesStuck, finding.Kind);
        Assert.Equal("processes", finding.Subject);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.StartsWith("7 processes are stuck", finding.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_ManyStuck_NamesExamplesInEvidence()
    {
        var finding = Assert.Single(Detect(Section(7)));

        Assert.Contains("examples=\"901 nfsiod\"", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("zombies=2", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("warning_at=5", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_ManyZombies_ReturnsNoFindings()
    {
        var findings = Detect(Section(0) with { ZombieCount = 500 });

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_NoProcessesSection_ReturnsNoFindings()
    {
        var findings = new ProcessesDetector(_options).Detect(new SnapshotBuilder().Build(), null);

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_ConfiguredThreshold_UsesIt()
    {
        _options.CurrentValue = new DetectionOptions { UninterruptibleProcessWarningCount = 20 };

        var findings = Detect(Section(7));

        Assert.Empty(findings);
    }

    private static ProcessesSection Section(int uninterruptible) =>
        new([], [], uninterruptible > 0 ? [Stuck] : [], 300, uninterruptible, 2);

    private List<Finding> Detect(ProcessesSection processes)
    {
        var snapshot = new SnapshotBuilder().Build();
        snapshot.Processes = processes;
        return new ProcessesDetector(_options).Detect(snapshot, null).ToList();
    }
}
