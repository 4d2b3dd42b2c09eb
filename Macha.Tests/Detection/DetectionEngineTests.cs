using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;
using Microsoft.Extensions.Logging;

namespace Macha.Tests.Detection;

public sealed class DetectionEngineTests
{
    private readonly ListLogger<DetectionEngine> _logger = new();

    [Fact]
    public void Detect_HealthyBaseline_ReturnsNoFindings()
    {
        var options = new TestOptionsMonitor<DetectionOptions>(new DetectionOptions());
        IDetector[] detectors =
        [
            new FailedUnitDetector(options),
            new DiskDetector(options),
            new MemoryDetector(options),
            new LoadDetector(options),
            new JournalDetector(options),
            new NetworkDetector(),
            new RebootDetector(options),
            new CollectorDetector(),
        ];
        var engine = new DetectionEngine(detectors, _logger);

        var findings = engine.Detect(new SnapshotBuilder().Build(), new SnapshotBuilder().Build());

        Assert.Empty(findings);
        Assert.Empty(_logger.Entries);
    }

    [Fact]
    public void Detect_DetectorThrows_LogsErrorAndContinues()
    {
        var failure = new InvalidOperationException("detector bug");
        var engine = new DetectionEngine(
            [new FixedDetector(Finding(FindingKind.FailedUnit, "a.service")), new ThrowingDetector(failure), new FixedDetector(Finding(FindingKind.HighLoad, "load"))],
            _logger);

        var findings = engine.Detect(new SnapshotBuilder().Build(), null);

        Assert.Equal(["a.service", "load"], findings.Select(f => f.Subject));
        var entry = Assert.Single(_logger.Entries);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Same(failure, entry.Exception);
        Assert.Equal(nameof(ThrowingDetector), entry.Properties["DetectorType"]);
        Assert.Equal(SnapshotBuilder.HostName, entry.Properties["HostName"]);
    }

    [Fact]
    public void Detect_ThrowsMidEnumeration_DropsPartialFindings()
    {
        var engine = new DetectionEngine([new LazyThrowingDetector(), new FixedDetector(Finding(FindingKind.HighLoad, "load"))], _logger);

        var findings = engine.Detect(new SnapshotBuilder().Build(), null);

        var finding = Assert.Single(findings);
        Assert.Equal("load", finding.Subject);
        Assert.Single(_logger.Entries);
    }

    [Fact]
    public void Detect_DuplicateFingerprint_KeepsMostSevere()
    {
        var warning = Finding(FindingKind.DiskSpace, "/", Severity.Warning, "/ is 90% full.");
        var critical = Finding(FindingKind.DiskSpace, "/", Severity.Critical, "/ is 99% full.");
        var engine = new DetectionEngine([new FixedDetector(warning), new FixedDetector(critical)], _logger);

        var findings = engine.Detect(new SnapshotBuilder().Build(), null);

        Assert.Same(critical, Assert.Single(findings));
    }

    [Fact]
    public void Detect_MoreSevereFindingFirst_KeepsIt()
    {
        var critical = Finding(FindingKind.DiskSpace, "/", Severity.Critical, "/ is 99% full.");
        var warning = Finding(FindingKind.DiskSpace, "/", Severity.Warning, "/ is 90% full.");
        var engine = new DetectionEngine([new FixedDetector(critical, warning)], _logger);

        var findings = engine.Detect(new SnapshotBuilder().Build(), null);

        Assert.Same(critical, Assert.Single(findings));
    }

    [Fact]
    public void Detect_SameFingerprintAndSeverity_KeepsFirst()
    {
        var first = Finding(FindingKind.FailedUnit, "a.service", Severity.Warning, "first wording");
        var second = Finding(FindingKind.FailedUnit, "a.service", Severity.Warning, "second wording");
        var engine = new DetectionEngine([new FixedDetector(first, second)], _logger);

        var findings = engine.Detect(new SnapshotBuilder().Build(), null);

        Assert.Same(first, Assert.Single(findings));
    }

    [Fact]
    public void Detect_SameSubjectDifferentKinds_KeepsBoth()
    {
        var engine = new DetectionEngine(
            [new FixedDetector(Finding(FindingKind.DiskSpace, "/"), Finding(FindingKind.InodeUsage, "/"))],
            _logger);

        var findings = engine.Detect(new SnapshotBuilder().Build(), null);

        Assert.Equal([FindingKind.DiskSpace, FindingKind.InodeUsage], findings.Select(f => f.Kind));
    }

    [Fact]
    public void Detect_PreviousSnapshot_PassedToDetectors()
    {
        var recorder = new RecordingDetector();
        var engine = new DetectionEngine([recorder], _logger);
        var current = new SnapshotBuilder().Build();
        var previous = new SnapshotBuilder().Build();

        engine.Detect(current, previous);

        Assert.Same(current, recorder.Current);
        Assert.Same(previous, recorder.Previous);
    }

    private static Finding Finding(FindingKind kind, string subject, Severity severity = Severity.Warning, string summary = "summary") =>
        new(SnapshotBuilder.HostName, kind, subject, severity, summary, "evidence");

    private sealed class FixedDetector(params Finding[] findings) : IDetector
    {
        public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous) => findings;
    }

    private sealed class ThrowingDetector(Exception exception) : IDetector
    {
        public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous) => throw exception;
    }

    private sealed class LazyThrowingDetector : IDetector
    {
        public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
        {
            yield return Finding(FindingKind.FailedUnit, "partial.service");
            throw new InvalidOperationException("failed after the first finding");
        }
    }

    private sealed class RecordingDetector : IDetector
    {
        public HostSnapshot? Current { get; private set; }

        public HostSnapshot? Previous { get; private set; }

        public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
        {
            Current = current;
            Previous = previous;
            return [];
        }
    }
}
