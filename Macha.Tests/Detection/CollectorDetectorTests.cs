using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class CollectorDetectorTests
{
    [Fact]
    public void Detect_HealthyBaseline_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().Build()));
    }

    [Theory]
    [InlineData(CollectorState.Failed, "The systemd collector failed, so its checks did not run.")]
    [InlineData(CollectorState.TimedOut, "The systemd collector timed out, so its checks did not run.")]
    public void Detect_CollectorFailedOrTimedOut_ReturnsCollectorFailedWarning(CollectorState state, string expectedSummary)
    {
        var snapshot = new SnapshotBuilder().WithCollector(new CollectorStatus("systemd", state, "systemctl exited with 1", 812.4)).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.CollectorFailed, finding.Kind);
        Assert.Equal("systemd", finding.Subject);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal(expectedSummary, finding.Summary);
        Assert.Equal($"state={state} elapsed_ms=812 detail=\"systemctl exited with 1\"", finding.Evidence);
    }

    [Fact]
    public void Detect_DisksCollectorTimedOut_ReturnsFilesystemUnresponsive()
    {
        // df blocks on a hard NFS mount whose server is gone, so there is no output at all.
        var snapshot = new SnapshotBuilder()
            .WithoutFilesystems()
            .WithCollector(new CollectorStatus("disks", CollectorState.TimedOut, "df did not finish within 10 s", 30_000))
            .Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.FilesystemUnresponsive, finding.Kind);
        Assert.Equal("disks", finding.Subject);
        Assert.Equal(Severity.Warning, finding.Severity);
    }

    [Fact]
    public void Detect_DisksCollectorFailed_ReturnsCollectorFailed()
    {
        var snapshot = new SnapshotBuilder()
            .WithCollector(new CollectorStatus("disks", CollectorState.Failed, "unparsable df output", 5, "Filesystem 1K-blocks"))
            .Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.CollectorFailed, finding.Kind);
        Assert.Contains("output_start=\"Filesystem 1K-blocks\"", finding.Evidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CollectorState.Ok)]
    [InlineData(CollectorState.Partial)]
    [InlineData(CollectorState.Unavailable)]
    public void Detect_CollectorNotFailed_ReturnsNoFindings(CollectorState state)
    {
        var snapshot = new SnapshotBuilder().WithCollector(new CollectorStatus("systemd", state, "no systemd as PID 1", 3)).Build();

        Assert.Empty(Detect(snapshot));
    }

    [Fact]
    public void Detect_TwoCollectorsFailed_ReturnsOneFindingEach()
    {
        var snapshot = new SnapshotBuilder()
            .WithCollector(new CollectorStatus("journal", CollectorState.Failed, null, 40))
            .WithCollector(new CollectorStatus("network", CollectorState.TimedOut, null, 30_000))
            .Build();

        var findings = Detect(snapshot);

        Assert.Equal(["journal", "network"], findings.Select(f => f.Subject));
    }

    private static List<Finding> Detect(HostSnapshot snapshot) => new CollectorDetector().Detect(snapshot, null).ToList();
}
